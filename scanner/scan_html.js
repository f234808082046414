'use strict';
/* scanner/scan_html.js: a small HTML tokenizer (tags, attributes, raw-text content with
 * offsets) and the line/column arithmetic that maps a piece of code back into its file. */

/* ----------------------------------------------------------------- HTML ------- */
/* A minimal HTML tokenizer: comments, doctype, start tags with quoted or unquoted
 * attributes, end tags, and the raw-text elements whose content is not markup
 * (script, style, textarea, title...). It yields inline scripts, on* handler
 * attributes and javascript: URLs with their offsets in the file. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);
const JS_TYPES = new Set(['', 'text/javascript', 'application/javascript', 'module', 'text/ecmascript',
	'application/ecmascript', 'application/x-javascript', 'text/jscript', 'text/livescript']);

function decodeEntities(s) {
	const named = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>', nbsp: '\u00a0', Tab: '\t', NewLine: '\n' };
	return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);?/g, (m, e) => {
		if (e[0] === '#') {
			const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
			return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
		}
		return Object.prototype.hasOwnProperty.call(named, e) ? named[e] : m;
	});
}

function tokenizeHtml(src) {
	const out = [];
	const n = src.length;
	let i = 0;
	const lower = src.toLowerCase();
	while (i < n) {
		const lt = src.indexOf('<', i);
		if (lt < 0) break;
		i = lt;
		if (src.startsWith('<!--', i)) {
			const e = src.indexOf('-->', i + 4);
			i = e < 0 ? n : e + 3;
			continue;
		}
		if (src[i + 1] === '!' || src[i + 1] === '?') {
			const e = src.indexOf('>', i);
			i = e < 0 ? n : e + 1;
			continue;
		}
		const closing = src[i + 1] === '/';
		let j = i + (closing ? 2 : 1);
		if (!/[A-Za-z]/.test(src[j] || '')) { i++; continue; }
		const ns = j;
		while (j < n && !/[\s/>]/.test(src[j])) j++;
		const name = lower.slice(ns, j);
		const attrs = [];
		/* attributes */
		for (;;) {
			while (j < n && /[\s/]/.test(src[j])) j++;
			if (j >= n || src[j] === '>') { j++; break; }
			const as = j;
			while (j < n && !/[\s/>=]/.test(src[j])) j++;
			if (j === as) j++;
			const aname = lower.slice(as, j);
			while (j < n && /\s/.test(src[j])) j++;
			let value = null;
			let voff = j;
			if (src[j] === '=') {
				j++;
				while (j < n && /\s/.test(src[j])) j++;
				const q = src[j];
				if (q === '"' || q === "'") {
					const e = src.indexOf(q, j + 1);
					voff = j + 1;
					value = src.slice(j + 1, e < 0 ? n : e);
					j = e < 0 ? n : e + 1;
				} else {
					voff = j;
					while (j < n && !/[\s>]/.test(src[j])) j++;
					value = src.slice(voff, j);
				}
			}
			attrs.push({ name: aname, value, offset: voff });
		}
		i = j;
		if (closing) continue;
		out.push({ tag: name, attrs, offset: ns - 1 });
		if (RAW_TEXT.has(name)) {
			let e = i;
			for (;;) {
				e = lower.indexOf('</' + name, e);
				if (e < 0 || /[\s/>]/.test(src[e + 2 + name.length] || '>')) break;
				e += 2;
			}
			const end = e < 0 ? n : e;
			if (name === 'script') out[out.length - 1].content = { text: src.slice(i, end), offset: i };
			i = end;
		}
	}
	return out;
}

/* Offsets where lines start, with acorn's line breaks (\n, \r\n, \r, U+2028, U+2029). */
function lineStartsOf(src) {
	const starts = [0];
	const re = /\r\n?|[\n\u2028\u2029]/g;
	let m;
	while ((m = re.exec(src)) !== null) starts.push(m.index + m[0].length);
	return starts;
}

function lineCol(lineStarts, off) {
	let lo = 0;
	let hi = lineStarts.length - 1;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (lineStarts[mid] <= off) lo = mid; else hi = mid - 1;
	}
	return { line: lo + 1, column: off - lineStarts[lo] };
}

/* Where a piece of code at offset off starts, for FileScan.mapLoc. */
function baseAt(lineStarts, off) {
	return lineCol(lineStarts, off);
}

module.exports = { JS_TYPES, decodeEntities, tokenizeHtml, lineStartsOf, lineCol, baseAt };
