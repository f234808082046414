const API = '/api/todos';
async function api(url, opts) {
	const r = await fetch(url, opts);
	return r.json();
}
async function refresh() {
	const items = await api(API);
	document.getElementById('list').innerHTML = items.map((i) => `<li>${i.text}</li>`).join('');
}
function add(ev) {
	ev.preventDefault();
	api(API, { method: 'POST', body: JSON.stringify({ text: document.getElementById('t').value }) }).then(refresh);
	setTimeout(refresh, 500);
	return false;
}
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
