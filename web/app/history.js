// history.js: on an app's page, what the generator understood of the app, the box to
// ask for a change (POST /iterate), and the history of its code: each revision with
// its source and message, a diff against the revision before (GET .../diff) and a
// restore button (POST .../restore); revisions with a data snapshot also offer to
// restore code and data (snapshots.js). Every change made here replaces the app's files:
// the page reloads them through onChanged(app).
import {h, fill, time} from './dom.js';
import * as api from './api.js';
import {busy, confirmDialog, showError, showInfo} from './ui.js';
import {restoreDataButton, restoreWithData, snapshotBadge} from './snapshots.js';

const PAGE = 20;

export class HistoryPanel {
	// appId; opts: {onChanged(app) (after iterate or restore), hasUnsaved() -> bool,
	// signal (AbortSignal of the page)}
	constructor(appId, opts) {
		this.id = appId;
		this.opts = opts;
		this.understood = h('div', {id: 'generation'});
		this.ask = h('textarea', {id: 'iterate-prompt', rows: 2, maxlength: 2000, spellcheck: 'true',
			placeholder: 'add a quantity field; use a dark theme'});
		this.askBtn = h('button', {type: 'button', class: 'primary', id: 'iterate'}, 'Ask for the change');
		this.askBtn.addEventListener('click', () => this.iterate());
		this.list = h('ol', {class: 'revisions', id: 'revisions', reversed: true});
		this.more = h('button', {type: 'button', class: 'secondary small', id: 'revisions-more', hidden: true}, 'Older revisions');
		this.more.addEventListener('click', () => busy(this.more, 'Loading the history', () => this.load(false)));
		this.diffBox = h('div', {id: 'diff'});
		this.cursor = null;
		this.el = h('div', null,
			h('section', {class: 'card', 'aria-labelledby': 'iterate-h', id: 'ask'},
				h('h2', {id: 'iterate-h'}, 'Ask for a change'), this.understood,
				h('label', {for: 'iterate-prompt'}, 'What should change?'), this.ask,
				h('div', {class: 'actions'}, this.askBtn)),
			h('section', {class: 'card', 'aria-labelledby': 'history-h', id: 'history'},
				h('h2', {id: 'history-h'}, 'History'), this.list, this.more, this.diffBox));
	}

	// Shows the app's generation (what the generator understood); disables asking for
	// an app the generator did not make.
	setApp(app) {
		const g = app.generation;
		if (!g) {
			fill(this.understood, h('p', {class: 'muted'},
				'This app was not made by the generator, so it cannot be changed by asking. Edit its files below.'));
			this.askBtn.disabled = this.ask.disabled = true;
			return;
		}
		this.askBtn.disabled = this.ask.disabled = app.status === 'generating';
		const fields = Array.isArray(g.fields) ? g.fields : [];
		fill(this.understood,
			h('p', {id: 'generation-explanation'}, h('strong', null, 'What the generator understood: '), g.explanation || '—'),
			fields.length ? h('p', {class: 'muted', id: 'generation-fields'}, 'Fields: ',
				fields.map((f) => (f.label || f.name) + ' (' + f.type + ')').join(', ')) : null);
	}

	async load(first = true) {
		if (first) {
			this.cursor = null;
			this.list.replaceChildren();
		}
		const q = '/revisions?limit=' + PAGE + (this.cursor ? '&cursor=' + encodeURIComponent(this.cursor) : '');
		const res = await api.get(api.appPath(this.id, q), {signal: this.opts.signal});
		for (const r of res.revisions || [])
			this.list.append(this.row(r));
		this.cursor = res.next_cursor;
		this.more.hidden = !this.cursor;
	}

	row(r) {
		const changes = Array.isArray(r.changes) ? r.changes : [];
		const diffBtn = h('button', {type: 'button', class: 'secondary small', 'data-n': r.n}, 'Diff');
		diffBtn.addEventListener('click', () => busy(diffBtn, 'Loading the diff', () => this.diff(r.n)));
		const restoreBtn = h('button', {type: 'button', class: 'secondary small', 'data-n': r.n}, 'Restore');
		restoreBtn.addEventListener('click', () => this.restore(r.n, restoreBtn));
		return h('li', {class: 'revision', value: r.n, 'data-n': r.n},
			h('span', {class: 'rev-n'}, '#' + r.n), ' ', h('span', {class: 'badge'}, r.source), ' ',
			snapshotBadge(r), r.data_snapshot ? ' ' : null,
			h('span', {class: 'rev-msg'}, r.message || ''), ' ',
			h('span', {class: 'muted'}, time(r.created_at), ' · ',
				changes.length ? changes.length + ' file' + (changes.length === 1 ? '' : 's') + ' changed' : 'no change'),
			' ', diffBtn, ' ', restoreBtn, r.data_snapshot ? ' ' : null,
			restoreDataButton(r, (n, btn) => this.restoreData(n, btn)));
	}

	async diff(n) {
		const res = await api.get(api.appPath(this.id, '/revisions/' + n + '/diff'), {signal: this.opts.signal});
		const files = res.files || [];
		const title = 'Revision ' + n + (res.from ? ' against ' + res.from : '');
		fill(this.diffBox, h('h3', {id: 'diff-h'}, title),
			files.length ? files.map((f) => h('div', {class: 'diff-file'},
				h('p', null, h('code', null, f.path), ' ', f.change),
				h('pre', {class: 'diff', tabindex: '0'}, (f.diff || '').split('\n').map((line) =>
					h('span', {class: line.startsWith('+++') || line.startsWith('---') || line.startsWith('@@') ? 'hunk'
						: line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : null}, line + '\n')))))
				: h('p', {class: 'muted'}, 'No file changed.'));
		this.diffBox.querySelector('h3').scrollIntoView({block: 'nearest'});
	}

	async unsavedOk(what) {
		return !this.opts.hasUnsaved() || await confirmDialog(
			'This app has unsaved changes in the editor. ' + what + ' replaces its files: your unsaved changes stay as a draft only. Go on?',
			'Go on');
	}

	async restore(n, btn) {
		if (!await confirmDialog('Restore revision ' + n + '? Its files become the app’s files, as a new revision.', 'Restore'))
			return;
		if (!await this.unsavedOk('Restoring'))
			return;
		await busy(btn, 'Restoring', async () => {
			const res = await api.post(api.appPath(this.id, '/revisions/' + n + '/restore'), {});
			showInfo('Restored revision ' + n + ' as revision ' + res.revision.n + '.');
			await this.opts.onChanged(res.app);
			await this.load();
		});
	}

	async restoreData(n, btn) {
		if (!await this.unsavedOk('Restoring'))
			return;
		const res = await restoreWithData(this.id, n, btn);
		if (res) {
			await this.opts.onChanged(res.app);
			await this.load();
		}
	}

	async iterate() {
		const prompt = this.ask.value.trim();
		if (!prompt) {
			showError('Say what should change, for example “add a quantity field”.');
			return;
		}
		if (!await this.unsavedOk('Asking for a change'))
			return;
		await busy(this.askBtn, 'Asking for the change', async () => {
			this.askBtn.textContent = 'Changing…';
			const res = await api.post(api.appPath(this.id, '/iterate'), {prompt});
			this.ask.value = '';
			showInfo('Changed: ' + (res.explanation || 'done') + ' (revision ' + res.revision.n + ').');
			await this.opts.onChanged(res.app);
			await this.load();
		});
	}
}
