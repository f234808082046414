// view-login.js: the login form (POST /api/auth/login). The JWT it returns is kept in
// memory by api.js only.
import {h} from './dom.js';
import * as api from './api.js';
import {busy, field} from './ui.js';

export function renderLogin(root, _params, ctx) {
	if (api.hasSession() && ctx.me) {
		ctx.navigate('#/apps');
		return null;
	}
	const user = h('input', {name: 'username', type: 'text', autocomplete: 'username', required: true,
		autocapitalize: 'none', spellcheck: 'false', maxlength: 64});
	const pass = h('input', {name: 'password', type: 'password', autocomplete: 'current-password', required: true});
	const submit = h('button', {type: 'submit', class: 'primary'}, 'Log in');
	const form = h('form', {class: 'card narrow', 'aria-labelledby': 'login-h'},
		h('h1', {id: 'login-h'}, 'Log in to appforge'),
		field('Username', user),
		field('Password', pass),
		h('div', {class: 'actions'}, submit));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(submit, 'Logging in', async () => {
			submit.textContent = 'Logging in…';
			const res = await api.post('/api/auth/login', {username: user.value.trim(), password: pass.value},
				{noAuthRedirect: true});
			if (!res || typeof res.token !== 'string')
				throw new api.ApiError(500, 'bad_response', 'the login answer has no token');
			api.setSession(res.token, res.expires_at);
			pass.value = '';
			try {
				await ctx.refreshMe();
			} catch (e) {
				api.clearSession();
				throw e;
			}
			const next = ctx.afterLogin && ctx.afterLogin !== '#/login' ? ctx.afterLogin : '#/apps';
			ctx.afterLogin = '#/apps';
			ctx.navigate(next);
		});
	});
	root.append(form);
	user.focus();
	return null;
}
