// main.js: starts the frontend: the hash router, the header, the session.
// Routes: #/login, #/apps, #/apps/<id>, #/tokens, #/admin. Every view is a function
// render(root, params, ctx) that fills root and may return a cleanup function, run
// when the route changes (to stop its timers and polls). A view with unsaved work sets
// ctx.leaveGuard to a function returning a warning (or null); leaving the page then
// asks first.
// At load the session is restored from the refresh cookie (api.refresh) before the
// first route, so a reload or a new tab stays logged in.
import {h} from './dom.js';
import * as api from './api.js';
import {clearNotices, confirmDialog, showError, showInfo} from './ui.js';
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
		api.logout();
		ctx.me = null;
		renderHeader();
		if (message)
			ctx.flash = {info: message};
		ctx.navigate('#/login');
	},
	flash: null,          // a message to show after the next route change
	leaveGuard: null,     // () => warning or null, set by a view with unsaved work
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
	ctx.leaveGuard = null;
	const hash = location.hash || '#/apps';
	shownHash = hash;
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

async function logoutClicked() {
	const warning = ctx.leaveGuard && ctx.leaveGuard();
	if (warning && !await confirmDialog(warning, 'Log out'))
		return;
	ctx.leaveGuard = null;
	ctx.logout('You are logged out.');
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
		h('button', {type: 'button', class: 'secondary', id: 'logout', onclick: logoutClicked}, 'Log out'));
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

// The in-app guard: a hash change away from a page with unsaved work is undone until
// the person confirms.
let shownHash = null;
let reverting = false;
window.addEventListener('hashchange', async () => {
	if (reverting) {
		reverting = false;
		return;
	}
	const warning = ctx.leaveGuard && ctx.leaveGuard();
	if (warning && location.hash !== shownHash) {
		const target = location.hash;
		reverting = true;
		location.replace(shownHash);
		if (!await confirmDialog(warning, 'Leave this page'))
			return;
		ctx.leaveGuard = null;
		location.hash = target;
		return;
	}
	clearNotices();
	route();
});
window.addEventListener('beforeunload', (ev) => {
	if (ctx.leaveGuard && ctx.leaveGuard()) {
		ev.preventDefault();
		ev.returnValue = '';
	}
});
window.addEventListener('unhandledrejection', (ev) => {
	// A bug of ours must not fail silently either (a fetch aborted on leaving a page is
	// no failure).
	if (ev.reason && ev.reason.name === 'AbortError')
		return;
	showError(ev.reason, 'An action');
});
ctx.renderHeader = renderHeader;

async function start() {
	if (await api.refresh()) {
		try {
			await ctx.refreshMe();
		} catch (e) {
			showError(e, 'Loading your account');
		}
	}
	route();
}
start();
