// view-apps.js: the home page: who you are and your quotas (GET /api/me), a new app
// from a prompt or from pasted files (POST /api/apps), and your apps
// (GET /api/apps, newest first, paged by next_cursor).
import {h, fill, time, badge} from './dom.js';
import * as api from './api.js';
import {busy, field, showError, table} from './ui.js';
import {gallery, importForm} from './view-settings.js';

const STARTER = `const http = require('http');

http.createServer((req, res) => {
  res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
  res.end('<h1>Hello from appforge</h1>');
}).listen(process.env.PORT);
`;

export function renderApps(root, _params, ctx) {
	const account = h('section', {class: 'card account', 'aria-labelledby': 'acct-h'},
		h('h2', {id: 'acct-h'}, 'Your account'), h('p', {class: 'muted'}, 'Loading…'));
	const list = h('section', {class: 'card', 'aria-labelledby': 'list-h'});
	root.append(h('h1', null, 'Apps'), newAppSection(ctx), list, account);
	drawAccount(account, ctx);
	drawList(list);
	return null;
}

function quotaLabel(k) {
	const s = k.replace(/_/g, ' ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

async function drawAccount(sec, ctx) {
	let me;
	try {
		me = await ctx.refreshMe();
	} catch (e) {
		sec.replaceChildren(h('h2', {id: 'acct-h'}, 'Your account'),
			h('p', {class: 'error-inline'}, api.describeError(e, 'Loading your account')));
		showError(e, 'Loading your account');
		return;
	}
	const rows = [
		['Username', me.username], ['Role', me.role], ['User id', me.id],
		['Member since', time(me.created_at)],
	];
	const quota = me.quota && typeof me.quota === 'object' ? Object.entries(me.quota) : [];
	fill(sec, h('h2', {id: 'acct-h'}, 'Your account'),
		h('dl', {class: 'facts', id: 'me'}, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
		quota.length ? [h('h3', null, 'Quotas'), h('dl', {class: 'facts', id: 'quota'},
			quota.map(([k, v]) => [h('dt', null, quotaLabel(k)),
				h('dd', null, v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v))]))] : null);
}

function newAppSection(ctx) {
	// From a prompt
	const prompt = h('textarea', {name: 'prompt', rows: 3, required: true, maxlength: 4000,
		placeholder: 'a todo list with due dates'});
	const pname = h('input', {name: 'name', type: 'text', maxlength: 100});
	const gen = h('button', {type: 'submit', class: 'primary', id: 'generate'}, 'Generate app');
	const genForm = h('form', {class: 'stack', id: 'form-generate', 'aria-labelledby': 'gen-h'},
		h('h3', {id: 'gen-h'}, 'Describe an app'),
		field('What should the app do?', prompt, 'A sentence or two, for example “a guestbook with a name and a message”.'),
		gallery(prompt),
		field('Name (optional)', pname),
		h('div', {class: 'actions'}, gen));
	genForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(gen, 'Generating the app', async () => {
			gen.textContent = 'Sending…';
			const body = {prompt: prompt.value.trim()};
			if (pname.value.trim())
				body.name = pname.value.trim();
			const app = await api.post('/api/apps', body);
			ctx.flash = {info: app.status === 'generating' ? 'Generating “' + (app.name || app.id) + '”…' : 'App created.'};
			ctx.navigate('#/apps/' + app.id);
		});
	});

	// From files: a list of (path, content) pairs
	const files = h('div', {class: 'file-pairs'});
	const addPair = (path = '', content = '') => {
		const n = files.children.length + 1;
		const p = h('input', {type: 'text', name: 'path', required: true, value: path, maxlength: 200,
			spellcheck: 'false', class: 'file-path'});
		const c = h('textarea', {name: 'content', rows: 8, class: 'code file-content', spellcheck: 'false', value: content});
		const rm = h('button', {type: 'button', class: 'secondary small'}, 'Remove file ' + n);
		const pair = h('fieldset', {class: 'file-pair'}, h('legend', null, 'File ' + n),
			field('Path', p), field('Content', c), h('div', {class: 'actions'}, rm));
		rm.addEventListener('click', () => {
			if (files.children.length > 1)
				pair.remove();
			else
				showError('An app needs at least one file (server.js).');
		});
		files.append(pair);
		return p;
	};
	addPair('server.js', STARTER);
	const fname = h('input', {name: 'name', type: 'text', maxlength: 100});
	const add = h('button', {type: 'button', class: 'secondary', id: 'add-file'}, 'Add another file');
	add.addEventListener('click', () => addPair().focus());
	const create = h('button', {type: 'submit', class: 'primary', id: 'create-files'}, 'Create app from files');
	const filesForm = h('form', {class: 'stack', id: 'form-files', 'aria-labelledby': 'files-h'},
		h('h3', {id: 'files-h'}, 'Or paste its files'),
		field('Name (optional)', fname), files, h('div', {class: 'actions'}, add, create));
	filesForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(create, 'Creating the app', async () => {
			const map = {};
			for (const pair of files.querySelectorAll('.file-pair')) {
				const path = pair.querySelector('.file-path').value.trim();
				if (Object.prototype.hasOwnProperty.call(map, path))
					throw new Error('the path “' + path + '” is given twice');
				map[path] = pair.querySelector('.file-content').value;
			}
			const body = {files: map};
			if (fname.value.trim())
				body.name = fname.value.trim();
			const app = await api.post('/api/apps', body);
			ctx.flash = {info: 'App “' + (app.name || app.id) + '” created.'};
			ctx.navigate('#/apps/' + app.id);
		});
	});

	return h('section', {class: 'card', 'aria-labelledby': 'new-h'},
		h('h2', {id: 'new-h'}, 'New app'), h('div', {class: 'two-col'}, genForm, filesForm), importForm(ctx));
}

function runState(app) {
	const st = app.run && app.run.state ? app.run.state : 'stopped';
	return badge(st);
}

function drawList(sec) {
	const body = h('div', {id: 'app-list'}, h('p', {class: 'muted'}, 'Loading…'));
	const refresh = h('button', {type: 'button', class: 'secondary small', id: 'refresh-apps'}, 'Refresh');
	sec.replaceChildren(h('div', {class: 'section-head'}, h('h2', {id: 'list-h'}, 'Your apps'), refresh), body);
	let rows = [];
	const cols = [
		{label: 'Name', cell: (a) => h('a', {href: '#/apps/' + a.id, class: 'app-link'}, a.name || a.id)},
		{label: 'Status', cell: (a) => badge(a.status)},
		{label: 'Run', cell: runState},
		{label: 'Created', cell: (a) => time(a.created_at)},
	];
	const load = async (cursor) => {
		let path = '/api/apps?limit=50';
		if (cursor)
			path += '&cursor=' + encodeURIComponent(cursor);
		const res = await api.get(path);
		rows = cursor ? rows.concat(res.apps || []) : (res.apps || []);
		const more = res.next_cursor ? h('button', {type: 'button', class: 'secondary', id: 'more-apps'}, 'Load more') : null;
		if (more)
			more.addEventListener('click', () => busy(more, 'Loading more apps', () => load(res.next_cursor)));
		fill(body, table('Your apps', cols, rows,
			'You have no apps yet: describe one above, or paste its files.'), more);
	};
	refresh.addEventListener('click', () => busy(refresh, 'Loading your apps', () => load(null)));
	load(null).catch((e) => {
		body.replaceChildren(h('p', {class: 'error-inline'}, api.describeError(e, 'Loading your apps')));
		showError(e, 'Loading your apps');
	});
}
