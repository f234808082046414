// ui.js: the shared page furniture: the status and alert regions (aria-live), the
// confirmation dialog, and busy buttons. Every API failure reaches the person through
// showError(); nothing fails silently.
import {h} from './dom.js';
import {describeError} from './api.js';

const statusEl = () => document.getElementById('status');
const alertEl = () => document.getElementById('alert');

// A polite, passing notice ("Saved.").
export function showInfo(text) {
	const el = statusEl();
	el.replaceChildren(h('p', {class: 'notice notice-info'}, text));
}

// An error the person must see: stays until dismissed or replaced by the next action.
export function showError(err, what) {
	const text = typeof err === 'string' ? err : describeError(err, what);
	const el = alertEl();
	const dismiss = h('button', {type: 'button', class: 'link dismiss', 'aria-label': 'Dismiss the error message',
		onclick: () => el.replaceChildren()}, '×');
	el.replaceChildren(h('div', {class: 'notice notice-error'}, h('p', {class: 'notice-text'}, text), dismiss));
	if (typeof err === 'object' && err && err.status === 429 && err.retryAfter)
		countdown(el.querySelector('.notice-text'), text, err.retryAfter);
	return text;
}

// Counts the Retry-After wait down in place so the person sees when to try again.
function countdown(p, text, secs) {
	let left = secs;
	const tick = setInterval(() => {
		left--;
		if (!p.isConnected || left < 0) {
			clearInterval(tick);
			return;
		}
		p.textContent = left > 0 ? text.replace(/wait \d+ seconds?/, 'wait ' + left + ' second' + (left === 1 ? '' : 's'))
			: text.replace(/Please wait \d+ seconds? and try again\./, 'You can try again now.');
	}, 1000);
}

export function clearNotices() {
	statusEl().replaceChildren();
	alertEl().replaceChildren();
}

// Resolves true when the person confirms. Uses the page's <dialog id="confirm">,
// which is modal, traps focus and closes with Escape (= cancel).
export function confirmDialog(message, confirmLabel = 'Delete') {
	const dlg = document.getElementById('confirm');
	const msg = dlg.querySelector('#confirm-message');
	const ok = dlg.querySelector('#confirm-ok');
	const cancel = dlg.querySelector('#confirm-cancel');
	msg.textContent = message;
	ok.textContent = confirmLabel;
	return new Promise((resolve) => {
		const done = (v) => {
			ok.removeEventListener('click', onOk);
			cancel.removeEventListener('click', onCancel);
			dlg.removeEventListener('close', onClose);
			if (dlg.open)
				dlg.close();
			resolve(v);
		};
		const onOk = () => done(true);
		const onCancel = () => done(false);
		const onClose = () => done(false);
		ok.addEventListener('click', onOk);
		cancel.addEventListener('click', onCancel);
		dlg.addEventListener('close', onClose);
		dlg.showModal();
		cancel.focus();
	});
}

// Runs fn() with the button disabled and marked busy; errors go to showError(what).
// Returns fn's result, or undefined after an error.
export async function busy(button, what, fn) {
	const label = button ? button.textContent : '';
	if (button) {
		button.disabled = true;
		button.setAttribute('aria-busy', 'true');
	}
	try {
		alertEl().replaceChildren();
		return await fn();
	} catch (e) {
		if (e && e.name === 'AbortError')
			return undefined;
		showError(e, what);
		return undefined;
	} finally {
		if (button && button.isConnected) {
			button.disabled = false;
			button.removeAttribute('aria-busy');
			button.textContent = label;
		}
	}
}

// A labelled form field: label + control + optional hint, wired by ids.
let fieldSeq = 0;
export function field(labelText, control, hint) {
	const id = control.id || ('f' + (++fieldSeq));
	control.id = id;
	const parts = [h('label', {for: id}, labelText), control];
	if (hint) {
		const hid = id + '-hint';
		control.setAttribute('aria-describedby', hid);
		parts.push(h('p', {class: 'hint', id: hid}, hint));
	}
	return h('div', {class: 'field'}, parts);
}

// A table from rows and column specs [{label, cell: row => node|string}].
export function table(caption, cols, rows, empty) {
	if (!rows.length)
		return h('p', {class: 'muted empty'}, empty || 'Nothing here yet.');
	return h('div', {class: 'table-wrap'},
		h('table', null,
			h('caption', {class: 'visually-hidden'}, caption),
			h('thead', null, h('tr', null, cols.map((c) => h('th', {scope: 'col'}, c.label)))),
			h('tbody', null, rows.map((r) => h('tr', null, cols.map((c) => h('td', {'data-label': c.label}, c.cell(r))))))));
}
