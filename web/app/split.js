// split.js: two panes side by side with a handle between them that resizes them, by
// dragging or from the keyboard (the handle is a focusable separator: arrows move it
// by 5 %, Home and End to the limits). The width is kept in this browser. On narrow
// screens style.css stacks the panes, the second (the preview) on top, and hides the
// handle. Widths are set through the CSSOM (a custom property), which the page's CSP
// allows where inline style attributes are refused.

const MIN = 20;
const MAX = 80;
const STEP = 5;

function load(key, fallback) {
	try {
		const v = Number(localStorage.getItem(key));
		return v >= MIN && v <= MAX ? v : fallback;
	} catch {
		return fallback;
	}
}

function save(key, v) {
	try {
		localStorage.setItem(key, String(v));
	} catch {
		// storage refused: the width is simply not remembered
	}
}

// first, second: elements. Returns the container. opts.key: the storage key;
// opts.label: what the handle resizes, for screen readers.
export function makeSplit(first, second, opts = {}) {
	const key = opts.key || 'af-split';
	const box = document.createElement('div');
	box.className = 'split';
	const handle = document.createElement('div');
	handle.className = 'split-handle';
	handle.id = opts.handleId || 'split-handle';
	handle.setAttribute('role', 'separator');
	handle.setAttribute('aria-orientation', 'vertical');
	handle.setAttribute('tabindex', '0');
	handle.setAttribute('aria-label', opts.label || 'Resize the panes');
	handle.setAttribute('aria-valuemin', String(MIN));
	handle.setAttribute('aria-valuemax', String(MAX));
	first.classList.add('split-first');
	second.classList.add('split-second');
	box.append(first, handle, second);

	const set = (v, keep) => {
		v = Math.round(Math.min(MAX, Math.max(MIN, v)));
		box.style.setProperty('--split-first', v + '%');
		handle.setAttribute('aria-valuenow', String(v));
		handle.setAttribute('aria-valuetext', v + ' % for the editor');
		if (keep)
			save(key, v);
		return v;
	};
	let value = set(load(key, 50), false);

	handle.addEventListener('keydown', (ev) => {
		const moves = {ArrowLeft: -STEP, ArrowUp: -STEP, ArrowRight: STEP, ArrowDown: STEP};
		if (ev.key in moves)
			value = set(value + moves[ev.key], true);
		else if (ev.key === 'Home')
			value = set(MIN, true);
		else if (ev.key === 'End')
			value = set(MAX, true);
		else
			return;
		ev.preventDefault();
	});
	handle.addEventListener('pointerdown', (ev) => {
		ev.preventDefault();
		handle.setPointerCapture(ev.pointerId);
		box.classList.add('split-dragging');   // the iframe must not swallow the moves
		const move = (e) => {
			const r = box.getBoundingClientRect();
			if (r.width > 0)
				value = set((e.clientX - r.left) / r.width * 100, false);
		};
		const up = () => {
			handle.removeEventListener('pointermove', move);
			handle.removeEventListener('pointerup', up);
			handle.removeEventListener('pointercancel', up);
			box.classList.remove('split-dragging');
			save(key, value);
		};
		handle.addEventListener('pointermove', move);
		handle.addEventListener('pointerup', up);
		handle.addEventListener('pointercancel', up);
	});
	return box;
}
