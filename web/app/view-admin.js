// view-admin.js: for admins: users (add, delete), every user's apps (open, audited as
// an admin's access; delete), the
// running sandboxes with their CPU, memory and process counts, and the audit log with
// filters (since, actor, action, limit).
import {h, fill, time, badge} from './dom.js';
import * as api from './api.js';
import {busy, confirmDialog, field, showError, showInfo, table} from './ui.js';
import {openInNewTab} from './private.js';

// The list in an answer: {"users":[...]} -> [...]; tolerant of the wrapper's name.
function listOf(res, key) {
	if (Array.isArray(res))
		return res;
	if (res && Array.isArray(res[key]))
		return res[key];
	if (res && typeof res === 'object')
		for (const v of Object.values(res))
			if (Array.isArray(v))
				return v;
	return [];
}

function pick(o, ...keys) {
	for (const k of keys)
		if (o && o[k] !== undefined && o[k] !== null)
			return o[k];
	return null;
}

function text(v) {
	if (v === null || v === undefined)
		return '—';
	return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function fmtBytes(n) {
	if (typeof n !== 'number')
		return text(n);
	const u = ['B', 'KiB', 'MiB', 'GiB'];
	let i = 0;
	while (n >= 1024 && i < u.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}

export function renderAdmin(root, _params, ctx) {
	if (!ctx.me || ctx.me.role !== 'admin') {
		root.append(h('h1', null, 'Admin'), h('p', {class: 'error-inline'}, 'This page is for administrators only.'));
		return null;
	}
	const sections = [usersSection(), appsSection(), sandboxesSection(), auditSection()];
	fill(root, h('h1', null, 'Admin'),
		h('nav', {class: 'subnav', 'aria-label': 'Admin sections'}, h('ul', null,
			sections.map((s) => h('li', null, h('button', {type: 'button', class: 'link', onclick: () => s.el.focus()}, s.title))))),
		sections.map((s) => s.el));
	// Users first: the audit log names actors by their user name when it is known.
	const [users, ...rest] = sections;
	users.load().catch((e) => users.fail(e)).finally(() => {
		for (const s of rest)
			s.load().catch((e) => s.fail(e));
	});
	return null;
}

// user id -> user name, from the last users list
const userNames = new Map();

function actorName(actor) {
	const name = userNames.get(actor);
	return name ? h('span', {title: actor}, name) : text(actor);
}

function section(id, title, ...controls) {
	const body = h('div', {id: id + '-body'}, h('p', {class: 'muted'}, 'Loading…'));
	const el = h('section', {class: 'card', id, tabindex: '-1', 'aria-labelledby': id + '-h'},
		h('div', {class: 'section-head'}, h('h2', {id: id + '-h'}, title), controls), body);
	return {el, body, title, fail: (e) => {
		body.replaceChildren(h('p', {class: 'error-inline'}, api.describeError(e, 'Loading ' + title.toLowerCase())));
		showError(e, 'Loading ' + title.toLowerCase());
	}};
}

function usersSection() {
	const s = section('admin-users', 'Users');
	const uname = h('input', {type: 'text', name: 'username', required: true, maxlength: 64, autocomplete: 'off',
		autocapitalize: 'none', spellcheck: 'false'});
	const pw = h('input', {type: 'password', name: 'password', required: true, autocomplete: 'new-password', minlength: 8});
	const role = h('select', {name: 'role'}, h('option', {value: 'user'}, 'user'), h('option', {value: 'admin'}, 'admin'));
	const add = h('button', {type: 'submit', class: 'primary', id: 'add-user'}, 'Add user');
	const form = h('form', {class: 'inline-form', id: 'form-user', 'aria-label': 'Add a user'},
		field('Username', uname), field('Password', pw, 'At least 8 characters.'), field('Role', role),
		h('div', {class: 'actions'}, add));
	const list = h('div');
	s.body.replaceChildren(list, h('h3', null, 'Add a user'), form);
	s.load = async () => {
		const users = listOf(await api.get('/api/admin/users'), 'users');
		for (const u of users)
			userNames.set(u.id, u.username);
		list.replaceChildren(table('Users', [
			{label: 'Username', cell: (u) => h('span', {class: 'user-name'}, text(u.username))},
			{label: 'Role', cell: (u) => [badge(u.role), u.disabled ? [' ', badge('disabled')] : null]},
			{label: 'Created', cell: (u) => time(u.created_at)},
			{label: 'Actions', cell: (u) => {
				const b = h('button', {type: 'button', class: 'danger small delete-user', 'data-username': u.username},
					'Delete', h('span', {class: 'visually-hidden'}, ' user ' + u.username));
				b.addEventListener('click', async () => {
					if (!await confirmDialog('Delete the user “' + u.username + '”? All of their apps and data are erased.', 'Delete user'))
						return;
					await busy(b, 'Deleting the user', async () => {
						await api.del(api.idPath('/api/admin/users/', u.id));
						showInfo('The user “' + u.username + '” was deleted.');
						await s.load();
					});
				});
				return b;
			}},
		], users, 'No users.'));
	};
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(add, 'Adding the user', async () => {
			const u = await api.post('/api/admin/users', {username: uname.value.trim(), password: pw.value, role: role.value});
			showInfo('The user “' + (u && u.username ? u.username : uname.value.trim()) + '” was added.');
			uname.value = '';
			pw.value = '';
			await s.load();
		});
	});
	return s;
}

function appsSection() {
	const refresh = h('button', {type: 'button', class: 'secondary small'}, 'Refresh');
	const s = section('admin-apps', 'All apps', refresh);
	s.load = async () => {
		const apps = listOf(await api.get('/api/admin/apps'), 'apps');
		s.body.replaceChildren(table('All apps', [
			{label: 'Name', cell: (a) => h('span', {class: 'app-name'}, text(a.name || a.id))},
			{label: 'Owner', cell: (a) => actorName(pick(a, 'owner_name', 'owner_username', 'username', 'owner'))},
			{label: 'Status', cell: (a) => badge(a.status)},
			{label: 'Run', cell: (a) => badge(a.run && a.run.state ? a.run.state : 'stopped')},
			{label: 'Created', cell: (a) => time(a.created_at)},
			{label: 'Actions', cell: (a) => {
				// Opening someone's app is recorded in the audit log (app.admin_access).
				const o = h('button', {type: 'button', class: 'secondary small open-app', 'data-app': a.id}, 'Open',
					h('span', {class: 'visually-hidden'}, ' app ' + (a.name || a.id) + ' (opens a new tab)'));
				o.addEventListener('click', () => openInNewTab(a));
				const b = h('button', {type: 'button', class: 'danger small'}, 'Delete',
					h('span', {class: 'visually-hidden'}, ' app ' + (a.name || a.id)));
				b.addEventListener('click', async () => {
					if (!await confirmDialog('Delete the app “' + (a.name || a.id) + '” of its owner? This cannot be undone.', 'Delete app'))
						return;
					await busy(b, 'Deleting the app', async () => {
						await api.del(api.appPath(a.id).replace('/api/apps/', '/api/admin/apps/'));
						showInfo('The app was deleted.');
						await s.load();
					});
				});
				return h('div', {class: 'actions'}, o, b);
			}},
		], apps, 'No apps.'));
	};
	refresh.addEventListener('click', () => busy(refresh, 'Loading all apps', s.load));
	return s;
}

function sandboxesSection() {
	const refresh = h('button', {type: 'button', class: 'secondary small'}, 'Refresh');
	const s = section('admin-sandboxes', 'Running sandboxes', refresh);
	s.load = async () => {
		const boxes = listOf(await api.get('/api/admin/sandboxes'), 'sandboxes');
		s.body.replaceChildren(table('Running sandboxes', [
			{label: 'App', cell: (b) => h('code', null, text(pick(b, 'app_id', 'id')))},
			{label: 'State', cell: (b) => badge(b.state || 'running')},
			{label: 'Port', cell: (b) => text(b.port)},
			{label: 'CPU time', cell: (b) => typeof b.cpu_seconds === 'number' ? b.cpu_seconds.toFixed(2) + ' s' : text(pick(b, 'cpu_percent'))},
			{label: 'Memory', cell: (b) => fmtBytes(pick(b, 'memory_bytes', 'memory'))},
			{label: 'Processes', cell: (b) => text(pick(b, 'pids', 'processes'))},
			{label: 'Started', cell: (b) => time(b.started_at)},
			{label: 'Stops at', cell: (b) => time(b.expires_at)},
		], boxes, 'No sandbox is running.'));
	};
	refresh.addEventListener('click', () => busy(refresh, 'Loading the sandboxes', s.load));
	return s;
}

function auditSection() {
	const s = section('admin-audit', 'Audit log');
	const since = h('input', {type: 'datetime-local', name: 'since', step: 1});
	const actor = h('input', {type: 'text', name: 'actor', maxlength: 64, spellcheck: 'false'});
	const action = h('input', {type: 'text', name: 'action', maxlength: 64, spellcheck: 'false', placeholder: 'app.create'});
	const limit = h('input', {type: 'number', name: 'limit', min: 1, max: 1000, value: 100});
	const go = h('button', {type: 'submit', class: 'primary', id: 'audit-filter'}, 'Show events');
	const form = h('form', {class: 'inline-form', id: 'form-audit', 'aria-label': 'Filter the audit log'},
		field('Since (your local time)', since), field('Actor', actor, 'A user name or id.'), field('Action', action),
		field('Limit', limit), h('div', {class: 'actions'}, go));
	const list = h('div', {id: 'audit-list'});
	s.body.replaceChildren(form, list);
	s.load = async () => {
		const q = new URLSearchParams();
		if (since.value) {
			const d = new Date(since.value);
			if (isNaN(d.getTime()))
				throw new Error('the “since” date is not valid');
			q.set('since', d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
		}
		if (actor.value.trim())
			q.set('actor', actor.value.trim());
		if (action.value.trim())
			q.set('action', action.value.trim());
		if (limit.value)
			q.set('limit', String(parseInt(limit.value, 10)));
		const qs = q.toString();
		const events = listOf(await api.get('/api/admin/audit' + (qs ? '?' + qs : '')), 'events');
		list.replaceChildren(table('Audit events', [
			{label: 'Time', cell: (e) => time(pick(e, 'at', 'time', 'created_at', 'ts'))},
			{label: 'Actor', cell: (e) => actorName(pick(e, 'actor_name', 'actor', 'user'))},
			{label: 'Action', cell: (e) => h('code', {class: 'nowrap'}, text(e.action))},
			{label: 'Target', cell: (e) => text(pick(e, 'target', 'app_id', 'object'))},
			{label: 'Details', cell: (e) => text(pick(e, 'detail', 'details', 'message'))},
			{label: 'Request', cell: (e) => h('code', null, text(e.request_id))},
		], events, 'No events match.'));
	};
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(go, 'Loading the audit log', s.load);
	});
	return s;
}
