'use strict';
/* scanner/scan_values.js: the abstract values the evaluator computes (candidate sets
 * of strings, numbers, known global paths, ...), their limits, and the normal names of
 * globals and modules (including the app's package.json "imports"). */

const FOLD_MAX = 1 << 20;       /* longest string the folder builds */
const SET_MAX = 12;             /* candidate values kept per expression */

/* ------------------------------------------------------- abstract values ------ */
/* An expression evaluates to a small set of candidate values:
 *   {k:'str', v}  {k:'num', v}  {k:'bool', v}  {k:'prefix', v} (string starting v)
 *   {k:'ref', p}  a known global path: 'G.process.binding', 'M(child_process).exec'
 *   {k:'arr', node, scope} / {k:'arrv', items} / {k:'obj', node, scope}
 *   {k:'fn', node}  {k:'fnproto'}  {k:'buf', b}  {k:'bytes', n}  {k:'dynfn', src}
 *   UNK: anything else. */
const UNK = { k: 'unk' };

function vkey(v) {
	switch (v.k) {
	case 'str': case 'num': case 'bool': case 'prefix': return v.k + ':' + String(v.v);
	case 'ref': return 'ref:' + v.p;
	case 'unk': return 'unk';
	default: return null;
	}
}

function union(...sets) {
	const out = [];
	const keys = new Set();
	for (const s of sets) {
		for (const v of s) {
			const k = vkey(v);
			if (k !== null) {
				if (keys.has(k)) continue;
				keys.add(k);
			} else if (out.includes(v)) {
				continue;
			}
			if (out.length >= SET_MAX) {
				if (!keys.has('unk')) { keys.add('unk'); out.push(UNK); }
				return out;
			}
			out.push(v);
		}
	}
	return out;
}

const str = (v) => (v.length > FOLD_MAX ? UNK : { k: 'str', v });
const ref = (p) => ({ k: 'ref', p: normalize(p) });
const isStr = (v) => v.k === 'str' || v.k === 'num';
const sval = (v) => String(v.v);

/* Rewrites that give one name to the many ways of reaching the same object. */
const REWRITES = [
	['G.globalThis', 'G'], ['G.global', 'G'], ['G.window', 'G'], ['G.self', 'G'],
	['G.frames', 'G'], ['G.GLOBAL', 'G'], ['G.root', 'G'],
	['G.process.mainModule', 'G.module'], ['G.require.main', 'G.module'],
	['G.module.parent', 'G.module'], ['G.module.require', 'G.require'],
	['G.module.constructor', 'M(module)'], ['M(module).Module', 'M(module)'],
	['M(module).default', 'M(module)'], ['M(module).prototype.require', 'G.require'],
	['M(module).prototype._compile', 'G.module._compile'],
	['M(module)._compile', 'G.module._compile'],
	['M(process)', 'G.process'], ['G.process.default', 'G.process'],
	['M(buffer).Buffer', 'G.Buffer'], ['M(timers).setTimeout', 'G.setTimeout'],
	['M(timers).setInterval', 'G.setInterval'],
	['M(fs/promises)', 'M(fs).promises'], ['M(dns/promises)', 'M(dns).promises'],
	['M(path/posix)', 'M(path)'], ['M(path).posix', 'M(path)'],
	['M(inspector/promises)', 'M(inspector)'],
	['G.Function.prototype.constructor', 'G.Function'], ['G.Function.constructor', 'G.Function'],
];
/* Globals that are functions: their .constructor is Function. */
const GLOBAL_FUNCS = new Set(['eval', 'require', 'setTimeout', 'setInterval', 'setImmediate',
	'fetch', 'atob', 'btoa', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'escape',
	'unescape', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
	'queueMicrotask', 'structuredClone', 'clearTimeout', 'clearInterval', 'alert']);

function normalize(p) {
	for (let round = 0; round < 12; round++) {
		let changed = false;
		for (const [from, to] of REWRITES) {
			if (p === from || p.startsWith(from + '.')) {
				p = to + p.slice(from.length);
				changed = true;
			}
		}
		const m = /^(.*)\.constructor$/.exec(p);
		if (m) {
			const base = m[1];
			const seg = base.split('.');
			if (base.endsWith('.constructor') ||
			    (seg.length === 2 && seg[0] === 'G' &&
			     (/^[A-Z]/.test(seg[1]) || GLOBAL_FUNCS.has(seg[1])))) {
				p = 'G.Function';
				changed = true;
			}
		}
		/* Other Module objects: module.children[i], require.cache[k]. */
		const mo = /^G\.(?:module\.children|require\.cache|M\(module\)\._cache)\.[^.]+(\..*)?$/.exec(p);
		if (mo) { p = 'G.module' + (mo[1] || ''); changed = true; }
		const d = /^M\(([^)]*)\)\.default(\..*)?$/.exec(p);
		if (d) { p = 'M(' + d[1] + ')' + (d[2] || ''); changed = true; }
		if (!changed) break;
	}
	return p;
}

function normModule(name) {
	if (name.startsWith('node:')) name = name.slice(5);
	return name;
}

/* package.json "imports": "#name" -> targets (filled by the package.json check). */
let importsMap = new Map();
function resolveImportsMap(spec) {
	if (spec.startsWith('#') && importsMap.has(spec)) return importsMap.get(spec);
	return [spec];
}

module.exports = { UNK, ref, normModule, FOLD_MAX, SET_MAX, union, str, isStr, sval, resolveImportsMap, importsMap };
