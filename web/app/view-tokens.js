// view-tokens.js: API tokens for scripts: create (the secret is shown once, with a copy
// button), list (never a secret), revoke.
import {h, time, badge} from './dom.js';
import * as api from './api.js';
import {busy, confirmDialog, field, showError, showInfo, table} from './ui.js';

function isPast(ts) {
	const t = ts ? Date.parse(ts) : NaN;
	return !isNaN(t) && t <= Date.now();
}

export function renderTokens(root) {
	const name = h('input', {type: 'text', name: 'name', required: true, maxlength: 100, placeholder: 'deploy script'});
	const days = h('input', {type: 'number', name: 'days', min: 1, max: 3650, inputmode: 'numeric'});
	const create = h('button', {type: 'submit', class: 'primary', id: 'create-token'}, 'Create token');
	const secretBox = h('div', {id: 'token-secret', 'aria-live': 'polite'});
	const listBox = h('div', {id: 'token-list'}, h('p', {class: 'muted'}, 'Loading…'));
	const form = h('form', {class: 'stack', id: 'form-token'},
		field('Token name', name, 'What the token is for, so you can recognise it later.'),
		field('Valid for (days, optional)', days, 'Leave empty for the server’s default lifetime.'),
		h('div', {class: 'actions'}, create));

	const load = async () => {
		const res = await api.get('/api/tokens');
		const tokens = Array.isArray(res.tokens) ? res.tokens : [];
		listBox.replaceChildren(table('Your API tokens', [
			{label: 'Name', cell: (t) => h('span', {class: 'token-name'}, t.name || '')},
			{label: 'Starts with', cell: (t) => t.prefix ? h('code', null, t.prefix + '…') : '—'},
			{label: 'Status', cell: (t) => t.revoked_at ? badge('revoked') : isPast(t.expires_at) ? badge('expired') : badge('active')},
			{label: 'Created', cell: (t) => time(t.created_at)},
			{label: 'Expires', cell: (t) => time(t.expires_at)},
			{label: 'Last used', cell: (t) => time(t.last_used_at)},
			{label: 'Actions', cell: (t) => {
				if (t.revoked_at)
					return h('span', {class: 'muted'}, 'revoked ', time(t.revoked_at));
				const b = h('button', {type: 'button', class: 'danger small revoke', 'data-id': t.id},
					'Revoke', h('span', {class: 'visually-hidden'}, ' ' + (t.name || t.id)));
				b.addEventListener('click', async () => {
					if (!await confirmDialog('Revoke the token “' + (t.name || t.id) + '”? Scripts using it stop working at once.', 'Revoke'))
						return;
					await busy(b, 'Revoking the token', async () => {
						await api.del(api.idPath('/api/tokens/', t.id));
						showInfo('The token “' + (t.name || t.id) + '” was revoked.');
						await load();
					});
				});
				return b;
			}},
		], tokens, 'You have no API tokens.'));
	};

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(create, 'Creating the token', async () => {
			const body = {name: name.value.trim()};
			if (days.value)
				body.days = parseInt(days.value, 10);
			const t = await api.post('/api/tokens', body);
			name.value = '';
			days.value = '';
			showSecret(secretBox, t);
			await load();
		});
	});

	root.append(h('h1', null, 'API tokens'),
		h('p', null, 'Scripts use an API token instead of your password: send it as ',
			h('code', null, 'Authorization: Bearer afk_…'), '.'),
		h('section', {class: 'card', 'aria-labelledby': 'new-token-h'}, h('h2', {id: 'new-token-h'}, 'New token'), form, secretBox),
		h('section', {class: 'card', 'aria-labelledby': 'tokens-h'}, h('h2', {id: 'tokens-h'}, 'Your tokens'), listBox));
	load().catch((e) => {
		listBox.replaceChildren(h('p', {class: 'error-inline'}, api.describeError(e, 'Loading your tokens')));
		showError(e, 'Loading your tokens');
	});
	return () => secretBox.replaceChildren();
}

// The one time the secret is visible. It stays in this box (and the DOM) only until
// the person presses Done or leaves the page.
function showSecret(box, t) {
	const out = h('input', {type: 'text', readonly: true, id: 'new-token-value', value: t.token || '',
		class: 'code secret', spellcheck: 'false', autocomplete: 'off'});
	const copy = h('button', {type: 'button', class: 'secondary', id: 'copy-token'}, 'Copy');
	const done = h('button', {type: 'button', class: 'secondary', id: 'token-done'}, 'Done');
	const copied = h('span', {class: 'muted', role: 'status'});
	copy.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(out.value);
			copied.textContent = 'Copied to the clipboard.';
		} catch {
			out.focus();
			out.select();
			copied.textContent = 'Copying was refused by the browser: the token is selected, press Ctrl+C.';
		}
	});
	done.addEventListener('click', () => box.replaceChildren());
	out.addEventListener('focus', () => out.select());
	box.replaceChildren(h('div', {class: 'notice notice-success secret-box'},
		h('p', null, h('strong', null, 'Token “' + (t.name || '') + '” created. '),
			'Copy it now: it is shown only this once and cannot be retrieved later.'),
		field('Token secret', out),
		h('div', {class: 'actions'}, copy, done, copied)));
	out.focus();
}
