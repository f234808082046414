// editor.js: the code editor of an app's files, on CodeMirror 5 (Debian's
// libjs-codemirror, loaded as classic scripts before our modules and served by nginx
// under /vendor/codemirror/). One CodeMirror document per file keeps each file's
// undo history and dirty state. If CodeMirror failed to load, a plain textarea takes
// its place and the page says so.
import {h} from './dom.js';

export function modeFor(path) {
	const ext = (/\.([a-z0-9]+)$/i.exec(path) || [])[1];
	switch ((ext || '').toLowerCase()) {
	case 'js': case 'mjs': case 'cjs': return 'javascript';
	case 'json': return {name: 'javascript', json: true};
	case 'html': case 'htm': return 'htmlmixed';
	case 'css': return 'css';
	case 'xml': case 'svg': return 'xml';
	case 'md': case 'markdown': return 'markdown';
	default: return 'text/plain';
	}
}

// new FileEditor(container, {onSave, onEscape, label}); setFiles({path: text});
// select(path); files() -> {path: text}; isDirty(path); setText(path, text);
// text(path); markClean();
// jump(path, line); mark(findings).
export class FileEditor {
	constructor(container, opts) {
		this.opts = opts;
		this.docs = new Map();
		this.clean = new Map();
		this.current = null;
		this.marks = [];
		this.highlight = null;
		this.cm = null;
		this.fallback = null;
		const CM = window.CodeMirror;
		if (typeof CM === 'function') {
			this.CM = CM;
			this.cm = CM(container, {
				value: '', mode: 'text/plain', lineNumbers: true, indentUnit: 2, tabSize: 2,
				indentWithTabs: false, lineWrapping: false, styleActiveLine: true,
				matchBrackets: true, autoCloseBrackets: true, viewportMargin: 50,
				screenReaderLabel: opts.label || 'Code editor',
				extraKeys: {
					'Ctrl-S': () => opts.onSave && opts.onSave(),
					'Cmd-S': () => opts.onSave && opts.onSave(),
					Esc: () => opts.onEscape && opts.onEscape(),
				},
			});
			this.cm.getWrapperElement().id = 'code-editor';
			this.cm.on('changes', () => opts.onChange && opts.onChange());
		} else {
			this.fallback = h('textarea', {class: 'code fallback-editor', rows: 24, spellcheck: 'false',
				'aria-label': opts.label || 'Code editor'});
			this.fallback.addEventListener('input', () => {
				if (this.current !== null)
					this.docs.set(this.current, this.fallback.value);
				opts.onChange && opts.onChange();
			});
			container.append(h('p', {class: 'notice notice-warn'},
				'The code editor (CodeMirror) could not be loaded; the files are shown as plain text.'),
			this.fallback);
		}
	}

	setFiles(map) {
		this.docs.clear();
		this.clean.clear();
		for (const [path, text] of Object.entries(map))
			this.addFile(path, text);
		this.current = null;
	}

	addFile(path, text) {
		if (this.cm) {
			const doc = this.CM.Doc(text, modeFor(path));
			this.docs.set(path, doc);
			this.clean.set(path, doc.changeGeneration());
		} else {
			this.docs.set(path, text);
			this.clean.set(path, text);
		}
	}

	removeFile(path) {
		this.docs.delete(path);
		this.clean.delete(path);
		if (this.current === path)
			this.current = null;
	}

	paths() {
		return [...this.docs.keys()];
	}

	select(path) {
		if (!this.docs.has(path))
			return false;
		this.current = path;
		if (this.cm) {
			this.cm.swapDoc(this.docs.get(path));
			this.cm.refresh();
		} else {
			this.fallback.value = this.docs.get(path);
		}
		return true;
	}

	// Replaces the text of a file as an edit would (the file is then dirty unless the
	// text is its saved one).
	setText(path, text) {
		if (!this.docs.has(path))
			return false;
		if (this.cm) {
			this.docs.get(path).setValue(text);
		} else {
			this.docs.set(path, text);
			if (this.current === path)
				this.fallback.value = text;
		}
		return true;
	}

	text(path) {
		const doc = this.docs.get(path);
		if (doc === undefined)
			return null;
		return this.cm ? doc.getValue() : doc;
	}

	files() {
		const out = {};
		for (const [path, doc] of this.docs)
			out[path] = this.cm ? doc.getValue() : doc;
		return out;
	}

	isDirty(path) {
		const doc = this.docs.get(path);
		if (this.cm)
			return !doc.isClean(this.clean.get(path));
		return doc !== this.clean.get(path);
	}

	markClean() {
		for (const [path, doc] of this.docs)
			this.clean.set(path, this.cm ? doc.changeGeneration() : doc);
	}

	// After the editor's container was hidden: re-measure.
	refresh() {
		if (this.cm)
			this.cm.refresh();
	}

	focus() {
		if (this.cm)
			this.cm.focus();
		else
			this.fallback.focus();
	}

	// Puts the cursor on a 1-based line of a file, scrolls to it and highlights it.
	jump(path, line) {
		if (!this.select(path))
			return false;
		const n = Math.max(0, (parseInt(line, 10) || 1) - 1);
		if (this.cm) {
			const doc = this.cm.getDoc();
			const ln = Math.min(n, doc.lineCount() - 1);
			if (this.highlight)
				this.highlight.doc.removeLineClass(this.highlight.handle, 'background', 'cm-jump-line');
			const handle = doc.addLineClass(ln, 'background', 'cm-jump-line');
			this.highlight = {doc, handle};
			doc.setCursor({line: ln, ch: 0});
			this.cm.scrollIntoView({line: ln, ch: 0}, 80);
		} else {
			const lines = this.fallback.value.split('\n');
			let pos = 0;
			for (let i = 0; i < Math.min(n, lines.length - 1); i++)
				pos += lines[i].length + 1;
			this.fallback.setSelectionRange(pos, pos);
		}
		this.focus();
		return true;
	}

	// Marks the lines that scan findings point at, in every file.
	mark(findings) {
		if (!this.cm)
			return;
		for (const m of this.marks)
			m.doc.removeLineClass(m.handle, 'background', m.cls);
		this.marks = [];
		for (const f of findings || []) {
			const doc = this.docs.get(f.file);
			const ln = (parseInt(f.line, 10) || 0) - 1;
			if (!doc || ln < 0 || ln >= doc.lineCount())
				continue;
			const cls = f.severity === 'block' ? 'cm-finding-block' : 'cm-finding-warn';
			const handle = doc.addLineClass(ln, 'background', cls);
			this.marks.push({doc, handle, cls});
		}
	}
}
