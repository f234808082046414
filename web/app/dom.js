// dom.js: builds DOM nodes from data without ever parsing markup.
// Everything that comes from the API or from an app goes through textContent or
// setAttribute here, so a name like <img src=x onerror=...> is shown as text.

// h('button', {class: 'x', type: 'button', onclick: fn}, 'Label', childNode, [more])
// Attributes: 'class' sets className, 'text' sets textContent, 'on<event>' functions
// become listeners, true sets an empty attribute, null/undefined/false are skipped.
// 'style' is refused: the page runs under a CSP without 'unsafe-inline' styles.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k === 'text')
				el.textContent = String(v);
			else if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else if (k === 'style')
				throw new Error('dom.h: inline styles are not allowed (CSP)');
			else if (k === 'value' && 'value' in el)
				el.value = String(v);
			else if (k === 'checked' || k === 'selected' || k === 'disabled')
				el[k] = Boolean(v);
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, children);
	return el;
}

// Appends strings (as text nodes) and nodes, flattening nested arrays.
export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// A <time> element for an RFC 3339 timestamp, shown in the reader's locale; the raw
// value stays in the datetime attribute and the title.
export function time(ts) {
	if (!ts)
		return h('span', {class: 'muted'}, '—');
	const d = new Date(ts);
	const shown = isNaN(d.getTime()) ? String(ts) : d.toLocaleString();
	return h('time', {datetime: String(ts), title: String(ts)}, shown);
}

// Only absolute https URLs from the API become links or frame sources; anything else
// (javascript:, data:, relative paths) is refused.
export function safeHttpsUrl(u) {
	if (typeof u !== 'string')
		return null;
	try {
		const url = new URL(u);
		return url.protocol === 'https:' ? url.href : null;
	} catch {
		return null;
	}
}

// A small status badge: the class carries the colour, the text the meaning.
export function badge(kind, text) {
	const safe = String(kind || 'unknown').replace(/[^a-z0-9_-]/gi, '');
	return h('span', {class: 'badge badge-' + safe}, text === undefined ? String(kind || 'unknown') : text);
}

// Replaces el's children (strings, nodes, nested arrays; null/false skipped).
export function fill(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}
