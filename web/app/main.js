// main.js: starts the frontend: the hash router, the header, the session.
// Routes: #/login, #/apps, #/apps/<id>, #/tokens, #/admin. Every view is a function
// render(root, params, ctx) that fills root and may return a cleanup function, run
// when the route changes (to stop its timers and polls).
import {h} from './dom.js';
import * as api from './api.js';
import {clearNotices, showError, showInfo} from './ui.js';
import {renderLogin} from './view-login.js';
import {renderApps} from './view-apps.js';
import {renderApp} from './view-app.js';
import {renderTokens} from './view-tokens.js';
import {renderAdmin} from './view-admin.js';

const ctx = {
	me: null,             // GET /api/me of the logged-in user
	afterLogin: '#/apps', // where the login form sends you
	navigate(hash) {
		if (location.hash === hash)
			route();
		else
			location.hash = hash;
	},
	async refreshMe() {
		ctx.me = await api.get('/api/me');
		renderHeader();
		return ctx.me;
	},
	logout(message) {
		api.clearSession();
		ctx.me = null;
		renderHeader();
		if (message)
			ctx.flash = {info: message};
		ctx.navigate('#/login');
	},
	flash: null,          // a message to show after the next route change
};

const routes = [
	{re: /^#\/login$/, view: renderLogin, open: true},
	{re: /^#\/apps$/, view: renderApps, nav: 'apps'},
	{re: /^#\/apps\/([a-z][a-z0-9]{15})$/, view: renderApp, nav: 'apps'},
	{re: /^#\/tokens$/, view: renderTokens, nav: 'tokens'},
	{re: /^#\/admin$/, view: renderAdmin, nav: 'admin'},
];

let cleanup = null;

function route() {
	if (typeof cleanup === 'function') {
		try {
			cleanup();
		} catch (e) {
			console.error(e);
		}
	}
	cleanup = null;
	const hash = location.hash || '#/apps';
	let match = null, params = null;
	for (const r of routes) {
		const m = r.re.exec(hash);
		if (m) {
			match = r;
			params = m.slice(1);
			break;
		}
	}
	const root = document.getElementById('view');
	if (!match) {
		root.replaceChildren(h('h1', null, 'Page not found'),
			h('p', null, 'There is no page at this address. ', h('a', {href: '#/apps'}, 'Go to your apps')));
		return;
	}
	if (!match.open && !api.hasSession()) {
		ctx.afterLogin = hash;
		location.replace('#/login');
		return;
	}
	setCurrentNav(match.nav);
	root.replaceChildren();
	root.setAttribute('aria-busy', 'false');
	cleanup = match.view(root, params, ctx);
	if (ctx.flash) {
		if (ctx.flash.error)
			showError(ctx.flash.error);
		else
			showInfo(ctx.flash.info);
		ctx.flash = null;
	}
	const heading = root.querySelector('h1');
	if (heading && !root.contains(document.activeElement)) {
		heading.setAttribute('tabindex', '-1');
		heading.focus({preventScroll: true});
	}
}

function setCurrentNav(which) {
	for (const a of document.querySelectorAll('#nav a[data-nav]')) {
		if (a.dataset.nav === which)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

function renderHeader() {
	const nav = document.getElementById('nav');
	const who = document.getElementById('who');
	if (!ctx.me || !api.hasSession()) {
		nav.replaceChildren();
		who.replaceChildren();
		return;
	}
	const links = [
		h('li', null, h('a', {href: '#/apps', 'data-nav': 'apps'}, 'Apps')),
		h('li', null, h('a', {href: '#/tokens', 'data-nav': 'tokens'}, 'API tokens')),
	];
	if (ctx.me.role === 'admin')
		links.push(h('li', null, h('a', {href: '#/admin', 'data-nav': 'admin'}, 'Admin')));
	nav.replaceChildren(h('ul', null, links));
	who.replaceChildren(
		h('span', {class: 'who-name'}, h('span', {class: 'visually-hidden'}, 'Logged in as '), ctx.me.username,
			ctx.me.role === 'admin' ? h('span', {class: 'badge badge-admin'}, 'admin') : null),
		h('button', {type: 'button', class: 'secondary', id: 'logout', onclick: () => ctx.logout('You are logged out.')}, 'Log out'));
	const cur = routes.find((r) => r.re.test(location.hash));
	setCurrentNav(cur ? cur.nav : null);
}

api.onUnauthorized(() => {
	ctx.me = null;
	renderHeader();
	if (!/^#\/login$/.test(location.hash))
		ctx.afterLogin = location.hash || '#/apps';
	ctx.flash = {error: 'Your session has ended or is not valid any more. Please log in again.'};
	ctx.navigate('#/login');
});

window.addEventListener('hashchange', () => {
	clearNotices();
	route();
});
window.addEventListener('unhandledrejection', (ev) => {
	// A bug of ours must not fail silently either (a fetch aborted on leaving a page is
	// no failure).
	if (ev.reason && ev.reason.name === 'AbortError')
		return;
	showError(ev.reason, 'An action');
});
ctx.renderHeader = renderHeader;
route();
