// private.js: who may open an app's origin, and how this frontend gets in.
// New apps are private: their origin lets in only the owner and admins, known by a
// cookie of that origin alone, which the browser gets from a one-time URL
// (POST /api/apps/{id}/open: good for 60 s and one use). So the preview iframe and
// "Open in a new tab" load a fresh one-time URL for a private app, and the app's own
// URL for a public one. An admin's opening of someone else's app is audited as such.
// Also the visibility switch of the app page (PATCH /api/apps/{id} {visibility}).
import {h, safeHttpsUrl} from './dom.js';
import * as api from './api.js';
import {busy, confirmDialog, showError, showInfo} from './ui.js';

// Where to load app (an app object): its URL when public, else a new one-time URL. embed:
// for a frame of this page. The app's origin is another site than ours, and a browser
// refuses a SameSite=Lax cookie set in a cross-site frame: such a code gives a
// partitioned SameSite=None cookie instead, kept for frames under this site only.
export async function entryUrl(app, embed = false) {
	if (app.visibility === 'public')
		return safeHttpsUrl(app.url);
	const res = await api.post(api.appPath(app.id, '/open'), embed ? {embed: true} : undefined);
	const u = safeHttpsUrl(res && res.url);
	if (!u)
		throw new Error('the server gave no address to open the app at');
	return u;
}

// Loads app into the iframe frame once its entry URL is known (the iframe is built
// without a src); a failure is shown in the element note.
export function enterFrame(frame, app, note) {
	entryUrl(app, true).then((u) => {
		if (frame.isConnected)
			frame.src = u;
	}, (e) => {
		if (note)
			note.replaceChildren(h('span', {class: 'error-inline'}, api.describeError(e, 'Opening the app')));
	});
}

// Opens app in a new tab. The tab is opened at once, in the click (no popup blocker
// stops it), cut from this page (no opener), then sent to the entry URL.
export function openInNewTab(app) {
	const w = window.open('', '_blank');
	if (w)
		w.opener = null;
	entryUrl(app).then((u) => {
		if (w)
			w.location.replace(u);
		else
			showError(new Error('the browser blocked the new tab'), 'Opening the app');
	}, (e) => {
		if (w)
			w.close();
		showError(e, 'Opening the app');
	});
}

// Makes the link (an "Open in a new tab" <a>) go through openInNewTab for private
// apps; getApp() gives the current app object. Public apps keep the plain link.
export function wireOpenLink(link, getApp) {
	link.addEventListener('click', (ev) => {
		const app = getApp();
		if (!app || app.visibility === 'public' || !link.getAttribute('href'))
			return;
		ev.preventDefault();
		openInNewTab(app);
	});
}

const MEANING = {
	private: 'only you (and the administrators, whose visits are recorded) can open it, ' +
		'from appforge. Anyone else gets a page saying that the app is private.',
	public: 'anyone who has its address can open it, without logging in.',
};

// The visibility switch: what it is now, what that means, and a button to change it.
// onChange(app) after a change.
export function visibilitySection(app, onChange) {
	let current = app.visibility === 'public' ? 'public' : 'private';
	const state = h('p', {id: 'visibility-state'});
	const btn = h('button', {type: 'button', class: 'secondary', id: 'visibility-toggle'});
	const draw = () => {
		state.replaceChildren(h('strong', null, current === 'public' ? 'Public' : 'Private'), ': ',
			MEANING[current]);
		btn.textContent = current === 'public' ? 'Make private' : 'Make public';
		btn.dataset.visibility = current;
	};
	btn.addEventListener('click', async () => {
		const next = current === 'public' ? 'private' : 'public';
		if (next === 'public' && !await confirmDialog('Make this app public? Then ' + MEANING.public, 'Make public'))
			return;
		const a = await busy(btn, 'Changing who can open the app',
			() => api.patch(api.appPath(app.id), {visibility: next}));
		if (!a)
			return;
		current = a.visibility === 'public' ? 'public' : 'private';
		draw();   // after busy(), which puts the old label back
		showInfo(current === 'public' ? 'The app is public now.' : 'The app is private now.');
		if (onChange)
			onChange(a);
	});
	draw();
	return h('div', {class: 'stack', id: 'visibility'}, h('h3', null, 'Who can open the app'), state,
		h('div', {class: 'actions'}, btn));
}
