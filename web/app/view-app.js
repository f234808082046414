// view-app.js: one app: its prompt and state, its files in the code editor (save =
// PUT /files, which re-scans), the scan findings (click one to jump to its line), run
// and stop, the live preview on the app's own origin, its logs, and delete.
// While the app is generating it polls GET /api/apps/{id} every second; while it
// starts (POST /run may answer 202 "starting") every second until it runs or its start
// fails (crash, timeout); while it runs it refreshes the logs and the run state every
// few seconds.
// Unsaved edits are kept as drafts in this browser (drafts.js) as they are typed and
// restored when the app is opened again; leaving with unsaved edits asks first.
// The history panel (history.js) shows what the generator understood, asks for
// changes (iterate) and lists, diffs and restores revisions.
import {h, fill, time, badge, safeHttpsUrl} from './dom.js';
import * as api from './api.js';
import {busy, clearNotices, confirmDialog, showError, showInfo} from './ui.js';
import {FileEditor} from './editor.js';
import {clearDrafts, loadDrafts, removeDraft, saveDraft} from './drafts.js';
import {settingsSection} from './view-settings.js';
import {HistoryPanel} from './history.js';
import {enterFrame, wireOpenLink} from './private.js';

const GENERATE_POLL_MS = 1000;
const RUN_POLL_MS = 3000;
const DRAFT_DELAY_MS = 300;
const START_POLL_MS = 1000;    // POST /run may answer 202 "starting": follow the start closely

// One sentence for a start that ended without the app running (seen when polling),
// worded as api.describeError words the same failure answered by POST /run itself.
function startFailure(run) {
	const lead = 'Running the app failed: ';
	const logs = '. Its last log lines are shown with the logs.';
	if (run.reason === 'start_timeout')
		return lead + 'the app did not answer in time and was stopped' + logs;
	if (run.state === 'stopped')
		return 'The start was cancelled: the app was stopped.';
	const code = run.exit_code !== null && run.exit_code !== undefined ? ' (exit code ' + run.exit_code + ')' : '';
	return lead + 'the app exited while it was starting' + code + (run.reason && run.reason !== 'crashed' ? ', reason ' + run.reason : '') + logs;
}

export function renderApp(root, params, ctx) {
	const id = params[0];
	const view = new AppView(root, id, ctx);
	view.start();
	return () => view.stop();
}

class AppView {
	constructor(root, id, ctx) {
		this.root = root;
		this.id = id;
		this.ctx = ctx;
		this.app = null;
		this.timer = null;
		this.stopped = false;
		this.abort = new AbortController();
		this.genStarted = Date.now();
		this.pollErrorShown = null;
		this.savedPaths = [];      // the files as last loaded or saved
		this.draftTimer = null;
		this.draftFailed = false;
		ctx.leaveGuard = () => this.hasUnsaved()
			? 'This app has unsaved changes. They stay in this browser as a draft, but are not saved to the server. Leave the page anyway?'
			: null;
	}

	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		if (this.draftTimer) {
			clearTimeout(this.draftTimer);
			this.persistDrafts();
		}
		this.abort.abort();
	}

	// ---- drafts ---------------------------------------------------------------------

	draftUser() {
		return (this.ctx.me && this.ctx.me.id) || 'anonymous';
	}

	hasUnsaved() {
		return !!this.editor && (this.removedDirty || this.editor.paths().some((p) => this.editor.isDirty(p)));
	}

	queueDraftSave() {
		clearTimeout(this.draftTimer);
		this.draftTimer = setTimeout(() => this.persistDrafts(), DRAFT_DELAY_MS);
	}

	persistDrafts() {
		this.draftTimer = null;
		const user = this.draftUser();
		const paths = this.editor.paths();
		let ok = true;
		for (const p of paths) {
			if (this.editor.isDirty(p) || !this.savedPaths.includes(p))
				ok = saveDraft(user, this.id, p, {text: this.editor.text(p)}) && ok;
			else
				removeDraft(user, this.id, p);
		}
		for (const p of this.savedPaths) {
			if (!paths.includes(p))
				ok = saveDraft(user, this.id, p, {removed: true}) && ok;
		}
		if (!ok && !this.draftFailed) {
			this.draftFailed = true;
			showError('This browser refused to keep a draft of your changes (storage full or disabled). Save them to keep them.');
		}
	}

	// Puts the drafts of an earlier visit back into the editor. true if any was restored.
	restoreDrafts() {
		let restored = false;
		for (const [p, d] of loadDrafts(this.draftUser(), this.id)) {
			const has = this.editor.paths().includes(p);
			if (d.removed) {
				if (has) {
					this.editor.removeFile(p);
					this.removedDirty = restored = true;
				}
			} else if (has && this.editor.text(p) === d.text) {
				removeDraft(this.draftUser(), this.id, p);
			} else {
				if (!has) {
					this.editor.addFile(p, '');
					this.removedDirty = true;
				}
				this.editor.setText(p, d.text);
				restored = true;
			}
		}
		return restored;
	}

	async discardDrafts() {
		if (!await confirmDialog('Discard your unsaved changes to this app’s files and go back to the saved files?', 'Discard changes'))
			return;
		clearDrafts(this.draftUser(), this.id);
		await this.loadFiles();
	}

	get(path, opts = {}) {
		return api.get(path, {...opts, signal: this.abort.signal});
	}

	async start() {
		this.root.append(h('h1', null, 'App'), h('p', {class: 'muted'}, 'Loading…'));
		let app;
		try {
			app = await this.get(api.appPath(this.id));
		} catch (e) {
			if (e.name === 'AbortError')
				return;
			this.root.replaceChildren(h('h1', null, 'App'), h('p', {class: 'error-inline'}, api.describeError(e, 'Loading the app')),
				h('p', null, h('a', {href: '#/apps'}, 'Back to your apps')));
			showError(e, 'Loading the app');
			return;
		}
		this.app = app;
		this.build();
		if (app.status === 'generating')
			this.pollGenerating();
		else
			await this.loadFiles();
		this.loadHistory();
		this.loadLogs();
		this.schedule();
	}

	// ---- layout -------------------------------------------------------------------

	build() {
		const a = this.app;
		this.title = h('h1', {id: 'app-name'}, a.name || a.id);
		this.meta = h('div', {class: 'app-meta', id: 'app-meta'});
		this.problem = h('div', {id: 'app-problem'});
		this.progress = h('div', {id: 'gen-progress', role: 'status', 'aria-live': 'polite'});

		this.runBtn = h('button', {type: 'button', class: 'primary', id: 'run'}, 'Run');
		this.stopBtn = h('button', {type: 'button', class: 'secondary', id: 'stop'}, 'Stop');
		this.openLink = h('a', {class: 'button secondary', id: 'open-tab', target: '_blank', rel: 'noopener noreferrer'},
			'Open in a new tab', h('span', {class: 'visually-hidden'}, ' (opens a new tab)'));
		this.deleteBtn = h('button', {type: 'button', class: 'danger', id: 'delete'}, 'Delete app');
		this.runBtn.addEventListener('click', () => this.run());
		this.stopBtn.addEventListener('click', () => this.stopApp());
		this.deleteBtn.addEventListener('click', () => this.remove());
		wireOpenLink(this.openLink, () => this.app);
		const toolbar = h('div', {class: 'toolbar', role: 'group', 'aria-label': 'App actions'},
			this.runBtn, this.stopBtn, this.openLink, this.deleteBtn);

		this.promptBox = h('div', {id: 'app-prompt'});
		this.history = new HistoryPanel(this.id, {
			signal: this.abort.signal,
			hasUnsaved: () => this.hasUnsaved(),
			onChanged: async (app) => {
				this.app = app;
				clearDrafts(this.draftUser(), this.id);
				this.drawState();
				await this.loadFiles();
			},
		});

		// code
		this.tabs = h('div', {class: 'file-tabs', role: 'group', 'aria-label': 'Files', id: 'file-tabs'});
		const editorBox = h('div', {class: 'editor-box'});
		this.saveBtn = h('button', {type: 'button', class: 'primary', id: 'save'}, 'Save files');
		this.saveBtn.addEventListener('click', () => this.save());
		this.newPath = h('input', {type: 'text', id: 'new-file-path', placeholder: 'public/index.html', maxlength: 200,
			spellcheck: 'false'});
		const addBtn = h('button', {type: 'button', class: 'secondary', id: 'add-file'}, 'Add file');
		addBtn.addEventListener('click', () => this.addFile());
		this.newPath.addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter') {
				ev.preventDefault();
				this.addFile();
			}
		});
		this.removeBtn = h('button', {type: 'button', class: 'secondary', id: 'remove-file'}, 'Remove this file');
		this.removeBtn.addEventListener('click', () => this.removeFile());
		this.dirtyNote = h('span', {class: 'muted', id: 'dirty-note', 'aria-live': 'polite'});
		this.discardBtn = h('button', {type: 'button', class: 'secondary', id: 'discard'}, 'Discard changes');
		this.discardBtn.addEventListener('click', () => this.discardDrafts());
		this.editor = new FileEditor(editorBox, {
			label: 'Code of the selected file',
			onSave: () => this.save(),
			onEscape: () => this.saveBtn.focus(),
			onChange: () => {
				this.drawTabs();
				this.queueDraftSave();
			},
		});
		this.codeSection = h('section', {class: 'card', 'aria-labelledby': 'code-h', id: 'code'},
			h('h2', {id: 'code-h'}, 'Code'),
			this.tabs,
			h('p', {class: 'hint', id: 'editor-hint'}, 'In the editor, Tab indents; press Esc to leave it. Ctrl+S saves.'),
			editorBox,
			h('div', {class: 'actions'}, this.saveBtn, this.discardBtn, this.dirtyNote),
			h('div', {class: 'actions add-file'}, h('label', {for: 'new-file-path'}, 'New file path'), this.newPath, addBtn,
				this.removeBtn));

		// findings
		this.findings = h('div', {id: 'findings'});
		this.findingsSection = h('section', {class: 'card', 'aria-labelledby': 'scan-h', id: 'scan', tabindex: '-1'},
			h('h2', {id: 'scan-h'}, 'Code scan'), this.findings);

		// preview and logs
		this.preview = h('div', {class: 'preview', id: 'preview'});
		const reloadBtn = h('button', {type: 'button', class: 'secondary small', id: 'reload-preview'}, 'Reload preview');
		reloadBtn.addEventListener('click', () => this.drawPreview(true));
		this.logs = h('pre', {class: 'logs', id: 'logs', tabindex: '0', 'aria-label': 'App logs'});
		this.logsNote = h('p', {class: 'muted', id: 'logs-note'});
		const logsBtn = h('button', {type: 'button', class: 'secondary small', id: 'refresh-logs'}, 'Refresh logs');
		logsBtn.addEventListener('click', () => busy(logsBtn, 'Loading the logs', () => this.loadLogs(true)));

		this.root.replaceChildren(
			h('p', {class: 'crumbs'}, h('a', {href: '#/apps'}, '← All apps')),
			this.title, this.meta, this.progress, this.problem, toolbar, this.promptBox,
			this.history.el, this.codeSection, this.findingsSection,
			h('div', {class: 'two-col'},
				h('section', {class: 'card', 'aria-labelledby': 'preview-h'},
					h('div', {class: 'section-head'}, h('h2', {id: 'preview-h'}, 'Preview'), reloadBtn), this.preview),
				h('section', {class: 'card', 'aria-labelledby': 'logs-h'},
					h('div', {class: 'section-head'}, h('h2', {id: 'logs-h'}, 'Logs'), logsBtn), this.logsNote, this.logs)),
			settingsSection(this.app, this.ctx, (a) => {
				this.app = a;
				this.drawState();
			}));
		this.drawState();
	}

	// Everything that depends on the app object (not on the files).
	drawState() {
		const a = this.app;
		const run = a.run || {state: 'stopped'};
		this.title.textContent = a.name || a.id;
		document.title = (a.name || a.id) + ' · appforge';
		const runText = run.state + (run.state !== 'running' && run.reason ? ' (' + run.reason + ')' : '')
			+ (run.exit_code !== null && run.exit_code !== undefined && run.state === 'exited' ? ', exit code ' + run.exit_code : '');
		this.meta.replaceChildren(h('dl', {class: 'facts inline'},
			h('dt', null, 'Status'), h('dd', {id: 'app-status'}, badge(a.status)),
			h('dt', null, 'Run'), h('dd', {id: 'app-run'}, badge(run.state, runText)),
			h('dt', null, 'Id'), h('dd', null, h('code', null, a.id)),
			h('dt', null, 'Created'), h('dd', null, time(a.created_at)),
			h('dt', null, 'Updated'), h('dd', null, time(a.updated_at)),
			run.state === 'running' && run.expires_at ? [h('dt', null, 'Stops at'), h('dd', null, time(run.expires_at))] : null));

		if (a.status === 'generating') {
			const secs = Math.round((Date.now() - this.genStarted) / 1000);
			this.progress.replaceChildren(h('div', {class: 'notice notice-info'},
				h('progress', {'aria-label': 'Generating'}),
				h('span', null, ' Generating the app from your prompt… ' + secs + ' s')));
		} else {
			this.progress.replaceChildren();
		}
		if (a.status === 'failed') {
			this.problem.replaceChildren(h('div', {class: 'notice notice-error', id: 'gen-error'},
				h('strong', null, 'Generation failed: '), a.error ? String(a.error.message || a.error) : 'no reason was given.'));
		} else if (a.status === 'blocked') {
			this.problem.replaceChildren(h('div', {class: 'notice notice-warn'},
				'The code scan blocked this app: it cannot run until the blocking findings below are fixed.'));
		} else {
			this.problem.replaceChildren();
		}
		this.history.setApp(a);
		fill(this.promptBox, a.prompt ? h('section', {class: 'card', 'aria-labelledby': 'prompt-h'},
			h('h2', {id: 'prompt-h'}, 'Prompt'), h('blockquote', {class: 'prompt'}, a.prompt)) : []);

		const ready = a.status !== 'generating' && a.status !== 'failed';
		const active = run.state === 'running' || run.state === 'starting';
		this.runBtn.disabled = !ready || active;
		this.stopBtn.disabled = !active;
		const url = safeHttpsUrl(a.url);
		if (url)
			this.openLink.setAttribute('href', url);
		else
			this.openLink.removeAttribute('href');
		this.openLink.classList.toggle('disabled', !url);
		const wasHidden = this.codeSection.hidden;
		this.codeSection.hidden = a.status === 'generating' || a.status === 'failed' && !this.editor.paths().length;
		if (wasHidden && !this.codeSection.hidden)
			this.editor.refresh();
		this.drawFindings();
		this.drawPreview(false);
	}

	drawFindings() {
		const scan = this.app.scan;
		if (!scan) {
			this.findings.replaceChildren(h('p', {class: 'muted'}, this.app.status === 'generating' ? 'The code is scanned once it is generated.' : 'No scan result.'));
			return;
		}
		const list = Array.isArray(scan.findings) ? scan.findings : [];
		this.editor.mark(list);
		const head = h('p', {id: 'scan-verdict'}, 'Verdict: ', badge(scan.verdict),
			' ', list.length === 0 ? 'no findings.' : list.length + ' finding' + (list.length === 1 ? '' : 's') + ':');
		const items = list.map((f) => {
			const where = (f.file || '?') + (f.line ? ':' + f.line : '');
			const btn = h('button', {type: 'button', class: 'finding link', 'data-file': f.file || '', 'data-line': f.line || ''},
				badge(f.severity), ' ', h('code', {class: 'finding-where'}, where), ' ',
				h('span', {class: 'finding-rule'}, f.rule || ''), ' — ', h('span', {class: 'finding-msg'}, f.message || ''));
			btn.setAttribute('aria-label', (f.severity || '') + ' finding ' + (f.rule || '') + ' in ' + where + ': ' + (f.message || '') + '. Go to the line.');
			btn.addEventListener('click', () => {
				if (!this.editor.jump(f.file, f.line))
					showError('The file “' + f.file + '” is not among this app’s files.');
				else
					this.drawTabs();
			});
			return h('li', null, btn);
		});
		fill(this.findings, head, items.length ? h('ul', {class: 'findings'}, items) : []);
	}

	drawPreview(force) {
		const run = this.app.run || {};
		const url = safeHttpsUrl(this.app.url);
		const frame = this.preview.querySelector('iframe');
		if (run.state === 'running' && url) {
			if (frame && !force && frame.dataset.src === url)
				return;
			// no src yet: a private app is entered through a one-time URL (private.js)
			const f = h('iframe', {title: 'Preview of ' + (this.app.name || this.app.id), id: 'preview-frame',
				'data-src': url, referrerpolicy: 'no-referrer',
				sandbox: 'allow-scripts allow-forms allow-same-origin allow-popups allow-modals'});
			const note = h('p', {class: 'hint'},
				'The preview is the app on its own origin. If it stays blank, open it in a new tab once ',
				'(with a development certificate the browser must be told to trust it there too).');
			this.preview.replaceChildren(f, note);
			enterFrame(f, this.app, note);
		} else {
			this.preview.replaceChildren(h('p', {class: 'muted preview-empty'},
				run.state === 'starting' ? 'The app is starting…' : 'The app is not running. Press Run to see it here.'));
		}
	}

	drawTabs() {
		const cur = this.editor.current;
		const paths = this.editor.paths().sort();
		const dirty = paths.filter((p) => this.editor.isDirty(p));
		this.tabs.replaceChildren(...paths.map((p) => {
			const b = h('button', {type: 'button', class: 'file-tab', 'aria-pressed': p === cur ? 'true' : 'false', 'data-path': p},
				p, dirty.includes(p) ? [h('span', {class: 'dirty', 'aria-hidden': 'true'}, ' •'),
					h('span', {class: 'visually-hidden'}, ' (unsaved changes)')] : null);
			b.addEventListener('click', () => {
				this.editor.select(p);
				this.drawTabs();
			});
			return b;
		}));
		this.dirtyNote.textContent = dirty.length || this.removedDirty ? 'Unsaved changes (kept as a draft in this browser).' : '';
		this.discardBtn.hidden = !(dirty.length || this.removedDirty);
		this.removeBtn.disabled = paths.length <= 1;
	}

	// ---- data -----------------------------------------------------------------------

	async loadFiles() {
		try {
			const res = await this.get(api.appPath(this.id, '/files'));
			const files = res && res.files && typeof res.files === 'object' ? res.files : {};
			this.editor.setFiles(files);
			this.removedDirty = false;
			this.savedPaths = Object.keys(files);
			const restored = this.restoreDrafts();
			if (restored)
				showInfo('Your unsaved changes from before were restored from this browser. Save them, or discard them.');
			const paths = this.editor.paths().sort();
			// CodeMirror measures its lines when a document is shown: unhide first.
			this.codeSection.hidden = this.app.status === 'generating' || !paths.length && this.app.status === 'failed';
			const first = paths.includes('server.js') ? 'server.js' : paths[0];
			if (first)
				this.editor.select(first);
			this.drawTabs();
			this.drawFindings();
		} catch (e) {
			if (e.name !== 'AbortError')
				showError(e, 'Loading the files');
		}
	}

	async loadLogs(manual) {
		try {
			const text = await this.get(api.appPath(this.id, '/logs?tail=200'), {text: true});
			const atEnd = this.logs.scrollTop + this.logs.clientHeight >= this.logs.scrollHeight - 4;
			this.logs.textContent = text || '';
			this.logsNote.textContent = text ? '' : 'No log lines yet.';
			if (atEnd)
				this.logs.scrollTop = this.logs.scrollHeight;
		} catch (e) {
			if (e.name === 'AbortError')
				return;
			// Shown beside the logs; a manual refresh also raises the alert.
			this.logsNote.textContent = api.describeError(e, 'Loading the logs');
			if (manual)
				throw e;
		}
	}

	schedule() {
		if (this.stopped)
			return;
		clearTimeout(this.timer);
		const run = (this.app.run || {}).state;
		if (this.app.status === 'generating')
			this.timer = setTimeout(() => this.pollGenerating(), GENERATE_POLL_MS);
		else if (run === 'running' || run === 'starting')
			this.timer = setTimeout(() => this.pollRunning(), run === 'starting' ? START_POLL_MS : RUN_POLL_MS);
	}

	async refreshApp() {
		const app = await this.get(api.appPath(this.id));
		this.app = app;
		this.pollErrorShown = null;
		return app;
	}

	pollError(e, what) {
		if (e.name === 'AbortError')
			return;
		if (e.status === 404) {
			// deleted elsewhere: nothing more to poll
			this.stop();
			showError('This app no longer exists (it was deleted).');
			return;
		}
		const text = api.describeError(e, what);
		if (this.pollErrorShown !== text) {
			this.pollErrorShown = text;
			showError(text);
		}
	}

	async pollGenerating() {
		if (this.stopped)
			return;
		try {
			await this.refreshApp();
			this.drawState();
			if (this.app.status !== 'generating') {
				clearNotices();
				if (this.app.status === 'failed')
					showError('Generation failed: ' + (this.app.error ? String(this.app.error.message || this.app.error) : 'no reason was given.'));
				else
					showInfo('The app is ready.');
				await this.loadFiles();
				this.loadHistory();
			}
		} catch (e) {
			this.pollError(e, 'Checking the generation');
		}
		this.schedule();
	}

	async pollRunning() {
		if (this.stopped)
			return;
		try {
			const before = (this.app.run || {}).state;
			await this.refreshApp();
			const now = (this.app.run || {}).state;
			if (now !== before) {
				this.drawState();
				if (before === 'starting' && now === 'running')
					showInfo('The app is running.');
				else if (before === 'starting')
					showError(startFailure(this.app.run));
				else if (now === 'exited')
					showInfo('The app stopped' + (this.app.run.reason ? ' (' + this.app.run.reason + ')' : '') + '.');
			}
			await this.loadLogs(false);
		} catch (e) {
			this.pollError(e, 'Refreshing the app');
		}
		this.schedule();
	}

	// ---- actions --------------------------------------------------------------------

	async save() {
		const files = this.editor.files();
		if (!Object.keys(files).length) {
			showError('An app needs at least one file.');
			return;
		}
		await busy(this.saveBtn, 'Saving the files', async () => {
			this.saveBtn.textContent = 'Saving…';
			const app = await api.put(api.appPath(this.id, '/files'), {files});
			this.app = app;
			this.editor.markClean();
			this.removedDirty = false;
			this.savedPaths = Object.keys(files);
			clearTimeout(this.draftTimer);
			this.draftTimer = null;
			clearDrafts(this.draftUser(), this.id);
			this.drawState();
			this.drawTabs();
			const scan = app.scan || {};
			const n = Array.isArray(scan.findings) ? scan.findings.length : 0;
			let msg = 'Saved. Code scan: ' + (scan.verdict || 'unknown') + ', ' + n + ' finding' + (n === 1 ? '' : 's') + '.';
			const st = (app.run || {}).state;
			if (st === 'running' || st === 'starting')
				msg += ' The running app keeps the old code until you stop it and run it again.';
			showInfo(msg);
			this.loadHistory();
		});
	}

	loadHistory() {
		this.history.load().catch((e) => {
			if (e.name !== 'AbortError')
				showError(e, 'Loading the history');
		});
	}

	addFile() {
		const path = this.newPath.value.trim();
		if (!path) {
			showError('Type the new file’s path first, for example public/index.html.');
			this.newPath.focus();
			return;
		}
		if (this.editor.paths().includes(path)) {
			showError('There is already a file “' + path + '”.');
			return;
		}
		this.editor.addFile(path, '');
		this.removedDirty = true;
		this.queueDraftSave();
		this.newPath.value = '';
		this.editor.select(path);
		this.drawTabs();
		this.editor.focus();
	}

	async removeFile() {
		const path = this.editor.current;
		if (!path)
			return;
		if (!await confirmDialog('Remove the file “' + path + '”? It is gone from the app when you save.', 'Remove file'))
			return;
		this.editor.removeFile(path);
		this.removedDirty = true;
		this.queueDraftSave();
		const next = this.editor.paths().sort()[0];
		if (next)
			this.editor.select(next);
		this.drawTabs();
	}

	async run() {
		await busy(this.runBtn, 'Running the app', async () => {
			this.runBtn.textContent = 'Starting…';
			try {
				this.app = await api.post(api.appPath(this.id, '/run'), {});
			} catch (e) {
				if (e.code === 'scan_blocked')
					setTimeout(() => this.findingsSection.focus(), 0);
				if (e.detail && typeof e.detail.log === 'string') {
					this.logs.textContent = e.detail.log;
					this.logsNote.textContent = 'The last log lines of the failed start:';
				}
				// the run state changed (exited) even though the call failed
				this.refreshApp().then(() => this.drawState(), () => {});
				throw e;
			}
			this.drawState();
			// 202: the start goes on in the supervisor; schedule() follows it to running
			// or to its crash / timeout
			showInfo(this.app.run && this.app.run.state === 'running' ? 'The app is running.' : 'The app is starting…');
			this.loadLogs(false);
			this.schedule();
		});
		this.drawState();
	}

	async stopApp() {
		await busy(this.stopBtn, 'Stopping the app', async () => {
			this.stopBtn.textContent = 'Stopping…';
			this.app = await api.post(api.appPath(this.id, '/stop'), {});
			showInfo('The app is stopped.');
			await this.loadLogs(false);
		});
		this.drawState();
		this.schedule();
	}

	async remove() {
		const name = this.app.name || this.app.id;
		if (!await confirmDialog('Delete the app “' + name + '”? It is stopped, and its code, prompt and logs are erased. This cannot be undone.', 'Delete app'))
			return;
		await busy(this.deleteBtn, 'Deleting the app', async () => {
			await api.del(api.appPath(this.id));
			this.stop();
			this.ctx.flash = {info: 'The app “' + name + '” was deleted.'};
			this.ctx.navigate('#/apps');
		});
	}
}
