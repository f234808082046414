// view-settings.js: an app's settings, shown on its page (view-app.js): who can open
// it (private.js), its name
// (PATCH /api/apps/{id}), its environment variables and secrets (GET/PUT .../env: the
// names are listed, values are write-only: an empty value field keeps the current
// value, which nobody can read back), export (GET .../export, saved as a download)
// and duplicate (POST .../duplicate). For the apps page: import an exported archive
// (POST /api/apps, application/gzip) and the template gallery (GET /api/templates),
// whose examples fill the prompt box.
import {h, fill, time} from './dom.js';
import * as api from './api.js';
import {busy, field, showError, showInfo} from './ui.js';
import {visibilitySection} from './private.js';

const NAME_RE = /^[A-Z_][A-Z0-9_]{0,63}$/;

// The settings card of app (the app object); onChange(app) after a rename.
export function settingsSection(app, ctx, onChange) {
	const sec = h('section', {class: 'card', 'aria-labelledby': 'settings-h', id: 'settings'},
		h('h2', {id: 'settings-h'}, 'Settings'));
	sec.append(visibilitySection(app, onChange), renameForm(app, onChange), envEditor(app),
		copyActions(app, ctx));
	return sec;
}

function renameForm(app, onChange) {
	const name = h('input', {type: 'text', id: 'rename-name', name: 'name', required: true, maxlength: 100,
		value: app.name || ''});
	const save = h('button', {type: 'submit', class: 'secondary', id: 'rename'}, 'Rename');
	const form = h('form', {class: 'stack', id: 'form-rename'}, field('Name', name), h('div', {class: 'actions'}, save));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(save, 'Renaming the app', async () => {
			const a = await api.patch(api.appPath(app.id), {name: name.value.trim()});
			showInfo('Renamed to “' + a.name + '”.');
			if (onChange)
				onChange(a);
		});
	});
	return form;
}

// One row of the editor: a name, a write-only value, remove.
function envRow(list, name = '', setAt = null) {
	const n = h('input', {type: 'text', class: 'env-name', 'aria-label': 'Variable name', value: name,
		maxlength: 64, spellcheck: 'false', autocomplete: 'off', placeholder: 'API_KEY'});
	const v = h('input', {type: 'password', class: 'env-value', 'aria-label': 'Value of ' + (name || 'the new variable'),
		autocomplete: 'new-password', spellcheck: 'false',
		placeholder: setAt ? 'unchanged (set, hidden)' : 'value'});
	const rm = h('button', {type: 'button', class: 'secondary small'}, 'Remove');
	const row = h('div', {class: 'env-row', 'data-existing': setAt ? 'yes' : 'no'}, n, v,
		setAt ? h('span', {class: 'muted'}, 'set ', time(setAt)) : h('span', {class: 'muted'}, 'new'), rm);
	rm.addEventListener('click', () => row.remove());
	list.append(row);
	return n;
}

function envEditor(app) {
	const list = h('div', {class: 'env-list', id: 'env-list'}, h('p', {class: 'muted'}, 'Loading…'));
	const add = h('button', {type: 'button', class: 'secondary', id: 'env-add'}, 'Add a variable');
	const save = h('button', {type: 'submit', class: 'primary', id: 'env-save'}, 'Save variables');
	const form = h('form', {class: 'stack', id: 'form-env', 'aria-labelledby': 'env-h'},
		h('h3', {id: 'env-h'}, 'Environment variables and secrets'),
		h('p', {class: 'hint'}, 'The app reads them from process.env at its next run. Values are stored encrypted ' +
			'and are never shown again; leave a value empty to keep it. Names: A-Z, 0-9 and _.'),
		list, h('div', {class: 'actions'}, add, save));
	const draw = (vars) => {
		fill(list);
		for (const v of vars)
			envRow(list, v.name, v.set_at);
		if (!vars.length)
			list.append(h('p', {class: 'muted', id: 'env-none'}, 'No variables yet.'));
	};
	add.addEventListener('click', () => {
		const none = list.querySelector('#env-none');
		if (none)
			none.remove();
		envRow(list).focus();
	});
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(save, 'Saving the variables', async () => {
			const vars = {};
			for (const row of list.querySelectorAll('.env-row')) {
				const name = row.querySelector('.env-name').value.trim();
				const value = row.querySelector('.env-value').value;
				if (!NAME_RE.test(name))
					throw new Error('“' + name + '” is not a valid name (A-Z, 0-9 and _, not starting with a digit)');
				if (Object.prototype.hasOwnProperty.call(vars, name))
					throw new Error('the name “' + name + '” is given twice');
				if (value === '' && row.dataset.existing !== 'yes')
					throw new Error('give a value for the new variable “' + name + '”');
				vars[name] = value === '' ? null : value;
			}
			const res = await api.put(api.appPath(app.id, '/env'), {vars});
			draw(res.vars || []);
			showInfo('Variables saved: the app sees them at its next run.');
		});
	});
	api.get(api.appPath(app.id, '/env')).then((res) => draw(res.vars || []), (e) => {
		fill(list, h('p', {class: 'error-inline'}, api.describeError(e, 'Loading the variables')));
	});
	return form;
}

// Saves blob as a download named name (an object URL, revoked once clicked).
function download(blob, name) {
	const url = URL.createObjectURL(blob);
	const a = h('a', {href: url, download: name, hidden: true});
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function copyActions(app, ctx) {
	const exp = h('button', {type: 'button', class: 'secondary', id: 'export'}, 'Export (.tar.gz)');
	exp.addEventListener('click', () => busy(exp, 'Exporting the app', async () => {
		const blob = await api.get(api.appPath(app.id, '/export'), {blob: true});
		download(blob, 'appforge-' + app.id + '.tar.gz');
		showInfo('Export downloaded.');
	}));
	const dup = h('button', {type: 'button', class: 'secondary', id: 'duplicate'}, 'Duplicate');
	dup.addEventListener('click', () => busy(dup, 'Duplicating the app', async () => {
		const copy = await api.post(api.appPath(app.id, '/duplicate'));
		ctx.flash = {info: 'Duplicated as “' + copy.name + '”.'};
		ctx.navigate('#/apps/' + copy.id);
	}));
	return h('div', {class: 'stack'}, h('h3', null, 'Copies'),
		h('p', {class: 'hint'}, 'An export holds the files and a manifest, never the variables.'),
		h('div', {class: 'actions'}, exp, dup));
}

// The import form of the apps page.
export function importForm(ctx) {
	const file = h('input', {type: 'file', id: 'import-file', accept: '.tar.gz,.tgz,application/gzip', required: true});
	const go = h('button', {type: 'submit', class: 'secondary', id: 'import'}, 'Import app');
	const form = h('form', {class: 'stack', id: 'form-import', 'aria-labelledby': 'import-h'},
		h('h3', {id: 'import-h'}, 'Or import an export'),
		field('Archive (.tar.gz made by Export)', file), h('div', {class: 'actions'}, go));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(go, 'Importing the app', async () => {
			const f = file.files && file.files[0];
			if (!f)
				throw new Error('choose an archive first');
			const app = await api.post('/api/apps', undefined, {raw: f, contentType: 'application/gzip'});
			ctx.flash = {info: 'App “' + (app.name || app.id) + '” imported.'};
			ctx.navigate('#/apps/' + app.id);
		});
	});
	return form;
}

// The template gallery: a button per kind; a click puts its example into promptEl.
export function gallery(promptEl) {
	const box = h('div', {class: 'gallery', id: 'gallery', 'aria-label': 'Examples'});
	api.get('/api/templates').then((res) => {
		const items = (res.templates || []).map((t) => {
			const b = h('button', {type: 'button', class: 'secondary small gallery-item', 'data-kind': t.kind,
				title: t.description}, t.title);
			b.addEventListener('click', () => {
				promptEl.value = t.example_prompt;
				promptEl.focus();
			});
			return b;
		});
		if (items.length)
			fill(box, h('span', {class: 'muted'}, 'Try: '), items);
	}, (e) => showError(e, 'Loading the examples'));
	return box;
}
