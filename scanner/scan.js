'use strict';
/* scanner/scan.js: reads an app's files before it may run and reports what they do
 * that a small web app should not: start programs, load native code, compile strings
 * into code, reach Node's internals, open outbound connections, touch files outside
 * the app, hide payloads in encoded blobs, mine coins.
 *
 * Input (stdin): {"files": {"path": "content", ...}}.
 * Output (stdout): {"verdict": "pass|warn|block", "findings": [{"rule", "severity",
 *   "file", "line", "column", "message"}]}; line and column are 1-based (0 when a
 *   finding is about a whole file). Exit status 0; 2 with a message on stderr when
 *   the input is not what it should be or acorn is missing.
 *
 * Every JavaScript file (.js .mjs .cjs, any file a relative require() names, inline
 * <script> and on* handlers of .html/.htm/.svg files) is parsed with acorn, never
 * matched with regular expressions. The walk knows scopes: a reference resolves to
 * its declaration, and const-like bindings, destructuring, object and array literals
 * are followed (a small abstract interpretation), so aliases and string building
 * ('child' + '_process', String.fromCharCode, [..].join(''), atob(...)) are folded
 * before a rule looks at them. Comments never reach the walk and a string literal is
 * only data unless it flows into a require, a path or a URL.
 *
 * The scanner is defence in depth and an explanation for the user; the sandbox is
 * the wall. It runs under a timeout and rlimits set by scanner.c. */

const MAX_INPUT = Number(process.env.AF_SCAN_MAX_BYTES) || 64 * 1024 * 1024;
const MAX_FINDINGS = 200;
const BLOB_MIN = 1024;          /* encoded literal length that counts as a blob */
const WASM_MIN = 1024;          /* inline WebAssembly bytes that count as a payload */
const FOLD_MAX = 1 << 20;       /* longest string the folder builds */
const SET_MAX = 12;             /* candidate values kept per expression */

function die(msg) {
	process.stderr.write('scan.js: ' + msg + '\n');
	process.exit(2);
}

function loadModule(name) {
	for (const p of ['/usr/share/nodejs/' + name, name]) {
		try { return require(p); } catch (e) { /* next */ }
	}
	return die(name + ' not found: install Debian\'s node-acorn (apt-get install node-acorn) ' +
		'or point NODE_PATH at a directory holding ' + name);
}
const acorn = loadModule('acorn');

/* ---------------------------------------------------------------- findings ---- */

const findings = [];
const seen = new Set();
let truncated = 0;

function addFinding(rule, severity, file, loc, message, ctxOnly) {
	const line = loc ? loc.line : 0;
	const column = loc ? loc.column + 1 : 0;
	const key = rule + '\0' + file + '\0' + line;
	if (seen.has(key)) return;
	seen.add(key);
	findings.push({ rule, severity, file, line, column, message, ctxOnly });
}

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

/* ------------------------------------------------------------------- scopes --- */

class Scope {
	constructor(parent, isFunction) {
		this.parent = parent;
		this.isFunction = isFunction;
		this.vars = new Map();
	}
	fnScope() {
		let s = this;
		while (!s.isFunction && s.parent) s = s.parent;
		return s;
	}
	lookup(name) {
		for (let s = this; s; s = s.parent) {
			const b = s.vars.get(name);
			if (b) return b;
		}
		return null;
	}
}

function declare(scope, name, kind) {
	let b = scope.vars.get(name);
	if (!b) {
		b = { name, kind, defs: [], memo: null };
		scope.vars.set(name, b);
	}
	return b;
}

/* A definition: how a binding gets a value. {expr, scope, path, op} means the value of
 * expr (then the keys of path: destructuring), {val} a ready value, {iter, scope,
 * path} an element of what a for-of loop walks. */
function declarePattern(pat, scope, kind, def, pending) {
	if (!pat) return;
	switch (pat.type) {
	case 'Identifier':
		if (pending) pending.push({ name: pat.name, scope, def });
		else declare(scope, pat.name, kind).defs.push(def);
		break;
	case 'ObjectPattern':
		for (const p of pat.properties) {
			if (p.type === 'RestElement') {
				declarePattern(p.argument, scope, kind, { val: [UNK] }, pending);
				continue;
			}
			let key = null;
			if (!p.computed) key = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
			else if (p.key.type === 'Literal') key = String(p.key.value);
			else key = { expr: p.key, scope }; /* folded when the value is needed */
			const sub = key !== null && def.path ? { ...def, path: def.path.concat([key]) } : { val: [UNK] };
			declarePattern(p.value, scope, kind, sub, pending);
		}
		break;
	case 'ArrayPattern':
		pat.elements.forEach((el, i) => {
			if (!el) return;
			if (el.type === 'RestElement') {
				declarePattern(el.argument, scope, kind, { val: [UNK] }, pending);
				return;
			}
			const sub = def.path ? { ...def, path: def.path.concat([String(i)]) } : { val: [UNK] };
			declarePattern(el, scope, kind, sub, pending);
		});
		break;
	case 'AssignmentPattern':
		declarePattern(pat.left, scope, kind, { ...def, dflt: pat.right, dscope: scope }, pending);
		break;
	case 'RestElement':
		declarePattern(pat.argument, scope, kind, { val: [UNK] }, pending);
		break;
	default: /* MemberExpression targets of assignments: not a binding */
		break;
	}
}

/* Deep nesting overflows the stack of acorn or of the walk; other RangeErrors (a
 * folded 'x'.repeat(-1)) are ordinary failures of one evaluation. */
function isStackOverflow(e) {
	return e instanceof RangeError && /call stack/i.test(String(e.message));
}

function isNode(x) {
	return x !== null && typeof x === 'object' && typeof x.type === 'string';
}

function forEachChild(node, cb) {
	for (const key in node) {
		if (key === 'loc' || key === '__scope' || key === 'type') continue;
		const v = node[key];
		if (Array.isArray(v)) {
			for (const c of v) if (isNode(c)) cb(c);
		} else if (isNode(v)) {
			cb(v);
		}
	}
}

/* Pass 1: scopes, declarations and assignments. Assignments are resolved after the
 * pass, when every (hoisted) declaration is known. */
function buildScopes(node, scope, pending) {
	switch (node.type) {
	case 'Program': {
		const s = new Scope(null, true);
		node.__scope = s;
		for (const c of node.body) buildScopes(c, s, pending);
		return;
	}
	case 'FunctionDeclaration':
	case 'FunctionExpression':
	case 'ArrowFunctionExpression': {
		if (node.type === 'FunctionDeclaration' && node.id)
			declare(scope, node.id.name, 'function').defs.push({ val: [{ k: 'fn', node }] });
		const s = new Scope(scope, true);
		node.__scope = s;
		if (node.type === 'FunctionExpression' && node.id)
			declare(s, node.id.name, 'function').defs.push({ val: [{ k: 'fn', node }] });
		for (const p of node.params) {
			declarePattern(p, s, 'param', { val: [UNK] }, null);
			buildScopes(p, s, pending);
		}
		if (node.body.type === 'BlockStatement') {
			for (const c of node.body.body) buildScopes(c, s, pending);
		} else {
			buildScopes(node.body, s, pending);
		}
		return;
	}
	case 'ClassDeclaration':
	case 'ClassExpression': {
		let s = scope;
		if (node.id) {
			if (node.type === 'ClassDeclaration') {
				declare(scope, node.id.name, 'class').defs.push({ val: [{ k: 'fn', node }] });
			} else {
				s = new Scope(scope, false);
				node.__scope = s;
				declare(s, node.id.name, 'class').defs.push({ val: [{ k: 'fn', node }] });
			}
		}
		if (node.superClass) buildScopes(node.superClass, s, pending);
		buildScopes(node.body, s, pending);
		return;
	}
	case 'VariableDeclaration': {
		const target = node.kind === 'var' ? scope.fnScope() : scope;
		for (const d of node.declarations) {
			if (d.init) declarePattern(d.id, target, node.kind, { expr: d.init, scope, path: [] }, null);
			else declarePattern(d.id, target, node.kind, { none: true }, null);
			buildScopes(d.id, scope, pending);
			if (d.init) buildScopes(d.init, scope, pending);
		}
		return;
	}
	case 'BlockStatement':
	case 'StaticBlock':
	case 'SwitchStatement':
	case 'ForStatement': {
		const s = new Scope(scope, false);
		node.__scope = s;
		forEachChild(node, (c) => buildScopes(c, s, pending));
		return;
	}
	case 'ForInStatement':
	case 'ForOfStatement': {
		const s = new Scope(scope, false);
		node.__scope = s;
		const def = node.type === 'ForOfStatement' ? { iter: node.right, scope, path: [] } : { val: [UNK] };
		if (node.left.type === 'VariableDeclaration') {
			const target = node.left.kind === 'var' ? s.fnScope() : s;
			for (const d of node.left.declarations) declarePattern(d.id, target, node.left.kind, def, null);
		} else {
			declarePattern(node.left, s, null, def, pending);
		}
		buildScopes(node.right, s, pending);
		buildScopes(node.body, s, pending);
		return;
	}
	case 'CatchClause': {
		const s = new Scope(scope, false);
		node.__scope = s;
		if (node.param) declarePattern(node.param, s, 'let', { val: [UNK] }, null);
		for (const c of node.body.body) buildScopes(c, s, pending);
		return;
	}
	case 'ImportDeclaration': {
		const mod = normModule(String(node.source.value));
		for (const sp of node.specifiers) {
			let v;
			if (sp.type === 'ImportSpecifier') {
				const name = sp.imported.type === 'Identifier' ? sp.imported.name : String(sp.imported.value);
				v = ref('M(' + mod + ').' + name);
			} else {
				v = ref('M(' + mod + ')');
			}
			declare(scope, sp.local.name, 'import').defs.push({ val: [v] });
		}
		return;
	}
	case 'AssignmentExpression':
		if (node.left.type === 'Identifier') {
			pending.push({ name: node.left.name, scope, def: { expr: node.right, scope, path: [], op: node.operator } });
		} else if (node.left.type === 'ObjectPattern' || node.left.type === 'ArrayPattern') {
			declarePattern(node.left, scope, null, { expr: node.right, scope, path: [] }, pending);
		}
		forEachChild(node, (c) => buildScopes(c, scope, pending));
		return;
	case 'CallExpression':
		if (node.callee.type === 'Identifier') pending.calls.push({ node, scope });
		forEachChild(node, (c) => buildScopes(c, scope, pending));
		return;
	case 'UpdateExpression':
		if (node.argument.type === 'Identifier')
			pending.push({ name: node.argument.name, scope, def: { val: [UNK] } });
		forEachChild(node, (c) => buildScopes(c, scope, pending));
		return;
	default:
		forEachChild(node, (c) => buildScopes(c, scope, pending));
	}
}

/* -------------------------------------------------------------- evaluation ---- */
/* Per file: the evaluator needs the file's path (for __dirname) and memo tables. */
class Evaluator {
	constructor(file) {
		this.file = file;
		this.memo = new Map();
		const slash = file.lastIndexOf('/');
		this.dir = '/app' + (slash >= 0 ? '/' + file.slice(0, slash) : '');
	}

	val(node, scope, depth = 0) {
		if (!node) return [UNK];
		const m = this.memo.get(node);
		if (m) return m;
		if (depth > 80) return [UNK];
		this.memo.set(node, [UNK]); /* cycle guard */
		let r;
		try {
			r = this.val0(node, scope, depth + 1);
		} catch (e) {
			if (isStackOverflow(e)) throw e;
			r = [UNK];
		}
		if (!r || r.length === 0) r = [UNK];
		this.memo.set(node, r);
		return r;
	}

	bindingVal(b, depth) {
		if (b.memo) return b.memo;
		b.memo = [UNK]; /* cycle guard */
		const defs = b.defs.filter((d) => !d.none);
		let out = [];
		if (defs.length === 0) out = [{ k: 'undef' }];
		const plain = [];
		for (const d of defs) {
			if (d.op && d.op !== '=') continue;
			plain.push(d);
		}
		for (const d of plain) out = union(out, this.defVal(d, depth));
		for (const d of defs) {
			if (!d.op || d.op === '=') continue;
			if (d.op === '+=') {
				const rhs = this.val(d.expr, d.scope, depth);
				out = union(out, this.concat(out.length ? out : [UNK], rhs));
			} else {
				out = union(out, [UNK]);
			}
		}
		b.memo = out.length ? out : [UNK];
		return b.memo;
	}

	defVal(d, depth) {
		let base;
		if (d.val) base = d.val;
		else if (d.iter) base = this.iterVals(this.val(d.iter, d.scope, depth), depth);
		else base = this.val(d.expr, d.scope, depth);
		if (d.path) {
			for (let key of d.path) {
				if (typeof key !== 'string') {
					const k = this.constArg(key.expr, key.scope, depth);
					key = k === undefined ? null : String(k);
				}
				let next = [];
				for (const v of base) next = union(next, this.member(v, key, depth));
				base = next;
			}
		}
		if (d.dflt) base = union(base, this.val(d.dflt, d.dscope, depth));
		return base;
	}

	iterVals(vals, depth) {
		let out = [];
		for (const v of vals) {
			const items = this.arrItems(v, depth);
			if (!items) { out = union(out, [UNK]); continue; }
			for (const it of items) out = union(out, it);
			if (v.k === 'str') out = union(out, [...v.v].slice(0, SET_MAX).map(str));
		}
		return out;
	}

	/* Elements of an array value as candidate sets, or null when unknown. */
	arrItems(v, depth) {
		if (v.k === 'arrv') return v.items;
		if (v.k !== 'arr') return null;
		const els = v.node.elements;
		if (els.length > 4096) return null;
		const items = [];
		for (const el of els) {
			if (!el) { items.push([{ k: 'undef' }]); continue; }
			if (el.type === 'SpreadElement') return null;
			items.push(this.val(el, v.scope, depth));
		}
		return items;
	}

	concat(as, bs) {
		const out = [];
		for (const a of as) {
			for (const b of bs) {
				out.push(this.concat1(a, b));
				if (out.length > SET_MAX) return union(out);
			}
		}
		return union(out);
	}

	concat1(a, b) {
		if (a.k === 'num' && b.k === 'num') return { k: 'num', v: a.v + b.v };
		if (isStr(a) && isStr(b)) return str(sval(a) + sval(b));
		if (isStr(a) || a.k === 'prefix') return { k: 'prefix', v: sval(a) };
		return UNK;
	}

	val0(node, scope, depth) {
		switch (node.type) {
		case 'Literal':
			if (typeof node.value === 'string') return [str(node.value)];
			if (typeof node.value === 'number') return [{ k: 'num', v: node.value }];
			if (typeof node.value === 'boolean') return [{ k: 'bool', v: node.value }];
			return [UNK];
		case 'TemplateLiteral': {
			let cur = [str(node.quasis[0].value.cooked || '')];
			for (let i = 0; i < node.expressions.length; i++) {
				cur = this.concat(cur, this.val(node.expressions[i], scope, depth));
				cur = this.concat(cur, [str(node.quasis[i + 1].value.cooked || '')]);
			}
			return cur;
		}
		case 'TaggedTemplateExpression': {
			const tags = this.val(node.tag, scope, depth);
			if (node.quasi.expressions.length === 0 && tags.some((t) => t.k === 'ref' && t.p === 'G.String.raw'))
				return [str(node.quasi.quasis[0].value.raw)];
			return [UNK];
		}
		case 'Identifier':
			return this.ident(node, scope, depth);
		case 'MemberExpression': {
			const keys = this.keyOf(node, scope, depth);
			/* Whatever x is, x.constructor.constructor is Function. */
			if (keys.length === 1 && keys[0] === 'constructor' && node.object.type === 'MemberExpression' &&
			    this.keyOf(node.object, scope, depth).includes('constructor'))
				return [ref('G.Function')];
			const objs = this.val(node.object, scope, depth);
			let out = [];
			for (const o of objs) {
				for (const k of keys) {
					if (k === null && o.k === 'ref' && (o.p === 'G.require.cache' || o.p === 'G.module.children'))
						out = union(out, [ref('G.module')]); /* some Module, whichever */
					else out = union(out, k === null ? [UNK] : this.member(o, k, depth));
				}
			}
			return out;
		}
		case 'ChainExpression':
		case 'AwaitExpression':
		case 'ParenthesizedExpression':
			return this.val(node.expression || node.argument, scope, depth);
		case 'ConditionalExpression':
			return union(this.val(node.consequent, scope, depth), this.val(node.alternate, scope, depth));
		case 'LogicalExpression':
			return union(this.val(node.left, scope, depth), this.val(node.right, scope, depth));
		case 'SequenceExpression':
			return this.val(node.expressions[node.expressions.length - 1], scope, depth);
		case 'AssignmentExpression':
			return node.operator === '=' ? this.val(node.right, scope, depth) : [UNK];
		case 'BinaryExpression':
			return this.binary(node, scope, depth);
		case 'UnaryExpression': {
			if (node.operator === 'void') return [{ k: 'undef' }];
			const a = this.val(node.argument, scope, depth);
			if (node.operator === '-' || node.operator === '+' || node.operator === '~')
				return a.map((v) => (v.k === 'num' ? { k: 'num', v: node.operator === '-' ? -v.v : node.operator === '~' ? ~v.v : v.v } : UNK));
			return [UNK];
		}
		case 'CallExpression':
			return this.call(node, scope, depth);
		case 'NewExpression':
			return this.construct(node, scope, depth);
		case 'ArrayExpression':
			return [{ k: 'arr', node, scope }];
		case 'ObjectExpression':
			return [{ k: 'obj', node, scope }];
		case 'FunctionExpression':
		case 'ArrowFunctionExpression':
		case 'ClassExpression':
			return [{ k: 'fn', node }];
		case 'ImportExpression':
			return this.val(node.source, scope, depth).map((v) => (isStr(v) ? ref('M(' + resolveImportsMap(normModule(sval(v)))[0] + ')') : UNK));
		default:
			return [UNK];
		}
	}

	ident(node, scope, depth) {
		const b = scope ? scope.lookup(node.name) : null;
		if (b) return this.bindingVal(b, depth);
		switch (node.name) {
		case 'undefined': return [{ k: 'undef' }];
		case '__dirname': return [str(this.dir)];
		case '__filename': return [str('/app/' + this.file)];
		default: return [ref('G.' + node.name)];
		}
	}

	keyOf(node, scope, depth) {
		if (!node.computed) return node.property.type === 'Identifier' ? [node.property.name] : [null];
		return this.val(node.property, scope, depth).map((v) => (isStr(v) ? sval(v) : null));
	}

	member(o, key, depth) {
		if (key === null) return [UNK];
		switch (o.k) {
		case 'ref':
			if (key === '' || key.includes('.') || key.includes('(')) return [UNK];
			if (o.p === 'G.process.env' && key === 'DATA_DIR') return [str('/data')];
			return [ref(o.p + '.' + key)];
		case 'str':
			if (key === 'length') return [{ k: 'num', v: o.v.length }];
			if (/^\d+$/.test(key)) return [Number(key) < o.v.length ? str(o.v[Number(key)]) : { k: 'undef' }];
			if (key === 'constructor') return [ref('G.String')];
			return [UNK];
		case 'num':
			return key === 'constructor' ? [ref('G.Number')] : [UNK];
		case 'arr':
		case 'arrv': {
			if (key === 'constructor') return [ref('G.Array')];
			const items = this.arrItems(o, depth);
			if (!items) return [UNK];
			if (key === 'length') return [{ k: 'num', v: items.length }];
			if (/^\d+$/.test(key)) return Number(key) < items.length ? items[Number(key)] : [{ k: 'undef' }];
			return [UNK];
		}
		case 'obj':
			return this.objMember(o, key, depth);
		case 'fn':
		case 'fnproto':
			return key === 'constructor' ? [ref('G.Function')] : [UNK];
		case 'buf':
			return key === 'buffer' ? [o] : [UNK];
		default:
			return [UNK];
		}
	}

	objMember(o, key, depth) {
		const props = o.node.properties;
		for (let i = props.length - 1; i >= 0; i--) {
			const p = props[i];
			if (p.type === 'SpreadElement') return [UNK];
			let k;
			if (!p.computed) k = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
			else {
				const ks = this.val(p.key, o.scope, depth);
				if (ks.length !== 1 || !isStr(ks[0])) return [UNK];
				k = sval(ks[0]);
			}
			if (k !== key) continue;
			if (p.kind !== 'init') return [UNK];
			return this.val(p.value, o.scope, depth);
		}
		if (key === 'constructor') return [ref('G.Object')];
		return [UNK];
	}

	binary(node, scope, depth) {
		const l = this.val(node.left, scope, depth);
		const r = this.val(node.right, scope, depth);
		if (node.operator === '+') return this.concat(l, r);
		const ops = {
			'-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '%': (a, b) => a % b,
			'|': (a, b) => a | b, '&': (a, b) => a & b, '^': (a, b) => a ^ b,
			'<<': (a, b) => a << b, '>>': (a, b) => a >> b, '>>>': (a, b) => a >>> b,
		};
		const f = ops[node.operator];
		if (!f) return [UNK];
		const out = [];
		for (const a of l) for (const b of r) out.push(a.k === 'num' && b.k === 'num' ? { k: 'num', v: f(a.v, b.v) } : UNK);
		return union(out);
	}

	/* Single constant string/number of an argument, or undefined. */
	constArg(node, scope, depth) {
		if (!node) return undefined;
		const vs = this.val(node, scope, depth);
		return vs.length === 1 && isStr(vs[0]) ? vs[0].v : undefined;
	}

	call(node, scope, depth) {
		const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
		let args = node.arguments;
		if (args.some((a) => a.type === 'SpreadElement')) args = null;
		if (callee.type === 'MemberExpression') {
			const recvs = this.val(callee.object, scope, depth);
			const names = this.keyOf(callee, scope, depth);
			let out = [];
			for (const recv of recvs) {
				for (const name of names) {
					if (name === null) { out = union(out, [UNK]); continue; }
					out = union(out, this.method(recv, name, args, scope, depth, node));
				}
			}
			return out;
		}
		let out = [];
		for (const fv of this.val(callee, scope, depth)) out = union(out, this.apply(fv, args, scope, depth, callee));
		return out;
	}

	method(recv, name, args, scope, depth, node) {
		const a = (i) => (args ? this.constArg(args[i], scope, depth) : undefined);
		if (name === 'bind') return [recv];
		if (name === 'call' && args && recv.k === 'ref') return this.apply(recv, args.slice(1), scope, depth, null);
		if (name === 'apply' && args && recv.k === 'ref') {
			const list = args[1] && args[1].type === 'ArrayExpression' ? args[1].elements : null;
			return this.apply(recv, list && !list.some((e) => !e || e.type === 'SpreadElement') ? list : null, scope, depth, null);
		}
		if (recv.k === 'str' || recv.k === 'num') {
			if (!args) return [UNK];
			const s = sval(recv);
			switch (name) {
			case 'toString':
				if (recv.k === 'num' && args.length) {
					const radix = a(0);
					return typeof radix === 'number' && radix >= 2 && radix <= 36 ? [str(recv.v.toString(radix))] : [UNK];
				}
				return [str(s)];
			case 'valueOf': case 'trim': case 'trimStart': case 'trimEnd': case 'toLowerCase':
			case 'toUpperCase': case 'normalize':
				return recv.k === 'str' ? [str(name === 'valueOf' || name === 'normalize' ? s : s[name]())] : [UNK];
			case 'concat': {
				let cur = [recv];
				for (const x of args) cur = this.concat(cur, this.val(x, scope, depth));
				return cur;
			}
			case 'split': {
				const sep = a(0);
				if (typeof sep !== 'string' || s.length > 65536) return [UNK];
				return [{ k: 'arrv', items: s.split(sep).map((x) => [str(x)]) }];
			}
			case 'slice': case 'substring': case 'substr': case 'charAt': case 'at':
			case 'repeat': case 'padStart': case 'padEnd': {
				const x = args.map((_, i) => a(i));
				if (x.some((v) => v === undefined)) return [UNK];
				if ((name === 'repeat' && s.length * Number(x[0]) > FOLD_MAX) ||
				    ((name === 'padStart' || name === 'padEnd') && Number(x[0]) > FOLD_MAX)) return [UNK];
				const r = String.prototype[name].apply(s, x);
				return r === undefined ? [{ k: 'undef' }] : [str(r)];
			}
			case 'replace': case 'replaceAll': {
				const from = a(0);
				const to = a(1);
				if (typeof from !== 'string' || typeof to !== 'string') return [UNK];
				return [str(name === 'replace' ? s.replace(from, () => to) : s.split(from).join(to))];
			}
			default:
				return [UNK];
			}
		}
		if (recv.k === 'arr' || recv.k === 'arrv') {
			const items = this.arrItems(recv, depth);
			if (!items || !args) return [UNK];
			switch (name) {
			case 'join': {
				const sep = args.length ? a(0) : ',';
				if (sep === undefined) return [UNK];
				let cur = [str('')];
				items.forEach((it, i) => {
					if (i > 0) cur = this.concat(cur, [str(String(sep))]);
					cur = this.concat(cur, it.map((v) => (v.k === 'undef' ? str('') : v)));
				});
				return cur;
			}
			case 'reverse':
				return [{ k: 'arrv', items: items.slice().reverse() }];
			case 'map': {
				const f = args[0];
				if (!f || !this.isFromCharCode(f, scope, depth)) return [UNK];
				return [{ k: 'arrv', items: items.map((it) => it.map((v) => (v.k === 'num' ? str(String.fromCharCode(v.v)) : UNK))) }];
			}
			default:
				return [UNK];
			}
		}
		if (recv.k === 'buf' && name === 'toString') {
			const enc = args && args.length ? a(0) : 'utf8';
			if (typeof enc !== 'string' || !Buffer.isEncoding(enc)) return [UNK];
			return [str(recv.b.toString(enc))];
		}
		let out = [];
		for (const fv of this.member(recv, name, depth)) out = union(out, this.apply(fv, args, scope, depth, null, node));
		return out;
	}

	/* String.fromCharCode itself, or x => String.fromCharCode(x). */
	isFromCharCode(f, scope, depth) {
		const isFcc = (n, s) => this.val(n, s, depth).some((v) => v.k === 'ref' && v.p === 'G.String.fromCharCode');
		if (isFcc(f, scope)) return true;
		if (f.type !== 'ArrowFunctionExpression' && f.type !== 'FunctionExpression') return false;
		if (f.params.length < 1 || f.params[0].type !== 'Identifier') return false;
		let body = f.body;
		if (body.type === 'BlockStatement') {
			if (body.body.length !== 1 || body.body[0].type !== 'ReturnStatement') return false;
			body = body.body[0].argument;
		}
		return !!body && body.type === 'CallExpression' && body.arguments.length === 1 &&
			body.arguments[0].type === 'Identifier' && body.arguments[0].name === f.params[0].name &&
			isFcc(body.callee, f.__scope || scope);
	}

	/* The value of calling fv with args (argument nodes, null when unknown). */
	apply(fv, args, scope, depth, calleeNode) {
		const a = (i) => (args ? this.constArg(args[i], scope, depth) : undefined);
		if (fv.k === 'fn') {
			const f = fv.node;
			if (f.type === 'FunctionExpression' && f.body.body.length === 1 &&
			    f.body.body[0].type === 'ReturnStatement' && f.body.body[0].argument &&
			    f.body.body[0].argument.type === 'ThisExpression')
				return [ref('G')];
			/* () => expr and function () { return expr; }: the value of expr. */
			if (f.type === 'ArrowFunctionExpression' && f.body.type !== 'BlockStatement')
				return this.val(f.body, f.__scope, depth);
			if ((f.type === 'FunctionExpression' || f.type === 'FunctionDeclaration' || f.type === 'ArrowFunctionExpression') &&
			    f.body.body && f.body.body.length === 1 && f.body.body[0].type === 'ReturnStatement' && f.body.body[0].argument)
				return this.val(f.body.body[0].argument, f.__scope, depth);
			return [UNK];
		}
		if (fv.k === 'dynfn')
			return /^\s*return\s+(this|globalThis|global|window)\s*;?\s*$/.test(fv.src) ? [ref('G')] : [UNK];
		if (fv.k !== 'ref') {
			if (calleeNode && calleeNode.type === 'Identifier' && calleeNode.name === 'require')
				return this.apply(ref('G.require'), args, scope, depth, null);
			return [UNK];
		}
		switch (fv.p) {
		case 'G.require':
		case 'M(module)._load':
			if (!args || !args.length) return [UNK];
			return this.val(args[0], scope, depth).map((v) => (isStr(v) ? ref('M(' + resolveImportsMap(normModule(sval(v)))[0] + ')') : UNK));
		case 'M(module).createRequire':
			return [ref('G.require')];
		case 'G.Function': {
			const src = args && args.length ? a(args.length - 1) : '';
			return typeof src === 'string' ? [{ k: 'dynfn', src }] : [UNK];
		}
		case 'G.String':
			return args && args.length && a(0) !== undefined ? [str(String(a(0)))] : [UNK];
		case 'G.String.fromCharCode':
		case 'G.String.fromCodePoint': {
			if (!args || args.length > 65536) return [UNK];
			const codes = args.map((_, i) => a(i));
			if (codes.some((c) => typeof c !== 'number')) return [UNK];
			try {
				return [str(fv.p.endsWith('Point') ? String.fromCodePoint(...codes) : String.fromCharCode(...codes))];
			} catch (e) { return [UNK]; }
		}
		case 'G.atob': {
			const s = a(0);
			return typeof s === 'string' ? [str(Buffer.from(s, 'base64').toString('latin1'))] : [UNK];
		}
		case 'G.decodeURIComponent':
		case 'G.decodeURI':
		case 'G.unescape': {
			const s = a(0);
			if (typeof s !== 'string') return [UNK];
			try { return [str(globalThis[fv.p.slice(2)](s))]; } catch (e) { return [UNK]; }
		}
		case 'G.Buffer.from': {
			if (!args || !args.length) return [UNK];
			const s = a(0);
			const enc = args.length > 1 ? a(1) : 'utf8';
			if (typeof s === 'string' && typeof enc === 'string' && Buffer.isEncoding(enc))
				return [{ k: 'buf', b: Buffer.from(s, enc) }];
			if (args[0].type === 'ArrayExpression') return [{ k: 'bytes', n: args[0].elements.length }];
			return [UNK];
		}
		case 'G.Reflect.get': {
			if (!args || args.length < 2) return [UNK];
			const key = a(1);
			if (key === undefined) return [UNK];
			let out = [];
			for (const o of this.val(args[0], scope, depth)) out = union(out, this.member(o, String(key), depth));
			return out;
		}
		case 'G.Reflect.apply': {
			if (!args || args.length < 3 || args[2].type !== 'ArrayExpression') return [UNK];
			let out = [];
			for (const f of this.val(args[0], scope, depth)) out = union(out, this.apply(f, args[2].elements, scope, depth, null));
			return out;
		}
		case 'G.Object.getPrototypeOf':
		case 'G.Reflect.getPrototypeOf':
			return args && args.length && this.val(args[0], scope, depth).some((v) => v.k === 'fn') ? [{ k: 'fnproto' }] : [UNK];
		case 'G.process.cwd':
			return [str('/app')];
		case 'M(os).tmpdir':
			return [str('/tmp')];
		case 'M(url).fileURLToPath': {
			const s = a(0);
			return typeof s === 'string' && s.startsWith('file://') ? [str(s.slice(7))] : [UNK];
		}
		case 'M(path).join':
		case 'M(path).resolve':
		case 'M(path).normalize':
			return this.pathCall(fv.p.slice(8), args, scope, depth);
		default:
			return [UNK];
		}
	}

	pathCall(fn, args, scope, depth) {
		if (!args) return [UNK];
		const parts = [];
		for (const x of args) {
			const vs = this.val(x, scope, depth);
			if (vs.length !== 1 || !isStr(vs[0])) {
				if (!parts.length) return [UNK];
				const p = require('path').posix[fn === 'resolve' ? 'resolve' : 'join'](...parts);
				return [{ k: 'prefix', v: p.endsWith('/') ? p : p + '/' }];
			}
			parts.push(sval(vs[0]));
		}
		if (!parts.length) return [UNK];
		const P = require('path').posix;
		if (fn === 'resolve') return [str(parts[0].startsWith('/') || parts.some((p) => p.startsWith('/')) ? P.resolve(...parts) : P.join('/app', ...parts))];
		return [str(fn === 'join' ? P.join(...parts) : P.normalize(parts[0]))];
	}

	construct(node, scope, depth) {
		const args = node.arguments;
		let out = [];
		for (const fv of this.val(node.callee, scope, depth)) {
			if (fv.k !== 'ref') { out = union(out, [UNK]); continue; }
			switch (fv.p) {
			case 'G.URL': {
				const s = args.length === 1 ? this.constArg(args[0], scope, depth) : undefined;
				out = union(out, typeof s === 'string' ? [str(s)] : [UNK]);
				break;
			}
			case 'G.Uint8Array': case 'G.Int8Array': case 'G.Uint8ClampedArray': {
				if (args[0] && args[0].type === 'ArrayExpression') { out = union(out, [{ k: 'bytes', n: args[0].elements.length }]); break; }
				const inner = args[0] ? this.val(args[0], scope, depth) : [UNK];
				out = union(out, inner.map((v) => (v.k === 'buf' ? { k: 'bytes', n: v.b.length } : v.k === 'bytes' ? v : v.k === 'arr' ? { k: 'bytes', n: v.node.elements.length } : UNK)));
				break;
			}
			case 'G.String':
				out = union(out, this.apply(fv, args, scope, depth, null));
				break;
			case 'G.Function':
				out = union(out, this.apply(fv, args, scope, depth, null));
				break;
			default:
				out = union(out, [UNK]);
			}
		}
		return out;
	}
}

/* package.json "imports": "#name" -> targets (filled by the package.json check). */
let importsMap = new Map();
function resolveImportsMap(spec) {
	if (spec.startsWith('#') && importsMap.has(spec)) return importsMap.get(spec);
	return [spec];
}

/* ------------------------------------------------------------------- rules ---- */
/* Rule ids and default severities (scanner/README.md has the table and the reasons). */
const LOADER_MSG = 'changes how Node loads or compiles modules';
const REF_RULES = new Map([
	['G.eval', { rule: 'eval', sev: 'block', call: 'eval() runs a string as code',
		value: 'eval used as a value (indirect eval)' }],
	['G.Function', { rule: 'eval', sev: 'block', call: 'the Function constructor compiles a string into code',
		value: 'the Function constructor passed as a value' }],
	['G.process.binding', { rule: 'process-binding', sev: 'block', callChecked: true,
		value: 'process.binding reaches Node internals' }],
	['G.process._linkedBinding', { rule: 'process-binding', sev: 'block', callChecked: true,
		value: 'process._linkedBinding reaches Node internals' }],
	['G.process.dlopen', { rule: 'native-addon', sev: 'block', value: 'process.dlopen loads native code' }],
	['G.process.execve', { rule: 'child-process', sev: 'block', value: 'process.execve replaces the process with another program' }],
	['G.require', { rule: 'dynamic-require', sev: 'warn', callChecked: true, value: 'require passed around as a value' }],
	['M(module)._load', { rule: 'dynamic-require', sev: 'warn', callChecked: true, value: 'Module._load passed around as a value' }],
	['G.module._compile', { rule: 'eval', sev: 'block', value: 'Module._compile compiles a string into code' }],
	['M(v8).setFlagsFromString', { rule: 'process-binding', sev: 'block', value: 'v8.setFlagsFromString changes engine flags at run time' }],
]);
for (const p of ['M(module)._extensions', 'G.require.extensions', 'M(module)._resolveFilename',
	'M(module)._findPath', 'M(module).wrap', 'M(module).wrapper', 'M(module).register',
	'M(module).prototype.load', 'M(module)._preloadModules', 'M(module).runMain',
	'M(module)._initPaths', 'M(module).globalPaths', 'M(module)._nodeModulePaths'])
	REF_RULES.set(p, { rule: 'module-loader', sev: 'block', value: p.replace(/^M\(module\)/, 'Module').replace(/^G\./, '') + ' ' + LOADER_MSG });

const MINER_GLOBALS = ['G.CoinHive', 'G.CRLT', 'G.CryptoLoot', 'G.deepMiner', 'G.CoinImp', 'G.WMP', 'G.JSEcoin'];
const MINER_WORDS = ['stratum+tcp://', 'stratum+ssl://', 'stratum+tls://', 'stratum2+tcp://',
	'xmrig', 'coinhive', 'coin-hive', 'cryptonight', 'cryptoloot', 'crypto-loot', 'coinimp',
	'webminepool', 'jsecoin', 'deepminer', 'minero.cc', 'webmine.pro', 'monerominer'];

const MODULE_RULES = {
	child_process: ['child-process', 'block', 'loads child_process, which starts other programs'],
	cluster: ['child-process', 'warn', 'loads cluster, which forks processes'],
	vm: ['eval', 'block', 'loads vm, which compiles strings into code'],
	repl: ['eval', 'block', 'loads repl, which evaluates strings as code'],
	inspector: ['eval', 'block', 'loads inspector, which can evaluate code in this process'],
	dgram: ['outbound-network', 'warn', 'loads dgram (UDP sockets)'],
	dns: ['outbound-network', 'warn', 'loads dns (name lookups reach outside the app)'],
	'dns/promises': ['outbound-network', 'warn', 'loads dns (name lookups reach outside the app)'],
	wasi: ['native-addon', 'warn', 'loads wasi (system interface for WebAssembly)'],
	bindings: ['native-addon', 'warn', 'loads "bindings", a loader of native addons'],
	'node-gyp-build': ['native-addon', 'warn', 'loads "node-gyp-build", a loader of native addons'],
	'@mapbox/node-pre-gyp': ['native-addon', 'warn', 'loads node-pre-gyp, a loader of native addons'],
	ffi: ['native-addon', 'warn', 'loads a foreign function interface (native calls)'],
	'ffi-napi': ['native-addon', 'warn', 'loads a foreign function interface (native calls)'],
	'ref-napi': ['native-addon', 'warn', 'loads ref-napi (raw native memory)'],
	'node-pty': ['child-process', 'warn', 'loads node-pty, which starts programs in a terminal'],
	shelljs: ['child-process', 'warn', 'loads shelljs, which runs shell commands'],
	execa: ['child-process', 'warn', 'loads execa, which starts other programs'],
	'cross-spawn': ['child-process', 'warn', 'loads cross-spawn, which starts other programs'],
	vm2: ['eval', 'warn', 'loads vm2, which evaluates strings as code'],
	'isolated-vm': ['eval', 'warn', 'loads isolated-vm, which evaluates strings as code'],
	'safe-eval': ['eval', 'warn', 'loads safe-eval, which evaluates strings as code'],
};

const FS_ONE = new Set(['readFile', 'readFileSync', 'writeFile', 'writeFileSync', 'appendFile',
	'appendFileSync', 'open', 'openSync', 'opendir', 'opendirSync', 'readdir', 'readdirSync',
	'stat', 'statSync', 'lstat', 'lstatSync', 'access', 'accessSync', 'exists', 'existsSync',
	'createReadStream', 'createWriteStream', 'unlink', 'unlinkSync', 'rmdir', 'rmdirSync', 'rm',
	'rmSync', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync', 'chmod', 'chmodSync', 'chown',
	'chownSync', 'lchown', 'lchownSync', 'truncate', 'truncateSync', 'utimes', 'utimesSync',
	'readlink', 'readlinkSync', 'realpath', 'realpathSync', 'watch', 'watchFile', 'statfs',
	'statfsSync', 'lutimes', 'lutimesSync']);
const FS_TWO = new Set(['rename', 'renameSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync',
	'link', 'linkSync', 'symlink', 'symlinkSync']);
const FS_ALLOWED = ['/app', '/data', '/tmp', '/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr',
	'/dev/urandom', '/dev/random', '/dev/zero'];
const SYSTEM_DIRS = ['/proc', '/sys', '/etc', '/dev', '/root', '/home', '/var', '/usr', '/boot', '/run', '/bin', '/sbin', '/lib'];
const SPAWN_BINDINGS = new Set(['spawn_sync', 'process_wrap', 'pipe_wrap']);
const EVAL_SINKS = new Set(['G.eval', 'G.Function', 'G.setTimeout', 'G.setInterval', 'G.module._compile']);
const DECODERS = new Set(['G.atob', 'G.Buffer.from', 'G.unescape', 'G.decodeURIComponent', 'G.decodeURI',
	'G.String.fromCharCode', 'G.String.fromCodePoint']);
const SENSITIVE_OBJECTS = new Set(['G', 'G.process', 'G.require', 'M(module)', 'G.module']);
const BROWSER_NOTE = ' (in code that runs in the visitor\'s browser)';
const NO_REPORT_ROLES = new Set(['object', 'alias', 'typeof', 'compare', 'discard', 'test']);

const posix = require('path').posix;

function isLocalHost(h) {
	h = h.toLowerCase().replace(/^\[/, '').replace(/\]$/, '');
	return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) ||
		h === '::1' || h === '0.0.0.0' || h === '';
}

/* Host of an absolute URL, '' for a relative one, null when the host is not known. */
function urlHost(s, complete) {
	const m = /^(?:([a-z][a-z0-9+.-]*):)?\/\/([^/?#]*)([/?#])?/i.exec(s);
	if (!m) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(s)) return /^(data|blob|about|javascript|mailto):/i.test(s) ? '' : null;
		return '';
	}
	if (!complete && !m[3]) return null;
	return m[2].replace(/^[^@]*@/, '').replace(/:\d*$/, '');
}

function blobKind(s) {
	let t = s;
	const d = /^data:([^,;]*)[^,]*,/i.exec(t);
	if (d) {
		if (/^(image|font|audio|video)\//i.test(d[1])) return null;
		t = t.slice(d[0].length);
	}
	if (t.length < BLOB_MIN) return null;
	if (t.length > 4 * FOLD_MAX) t = t.slice(0, 4 * FOLD_MAX);
	t = t.replace(/\s+/g, '');
	if (t.length < BLOB_MIN) return null;
	const distinct = new Set(t.slice(0, 4096)).size;
	if (/^(0x)?[0-9a-fA-F]+$/.test(t) && distinct >= 8) return 'hex';
	if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t) && distinct >= 20 && /\d/.test(t) && /[a-z]/.test(t) && /[A-Z]/.test(t))
		return 'base64';
	return null;
}

/* ------------------------------------------------------------------ the walk --- */

class FileScan {
	constructor(file, ctx, parseSeverity, base, src) {
		this.file = file;
		this.src = src || '';
		this.lineStarts = null;
		this.base = base || null; /* where the code starts in its file (HTML, strings) */
		this.ctx = ctx;
		this.parseSeverity = parseSeverity;
		this.ev = new Evaluator(file);
		this.edges = [];
		this.scripts = [];
	}

	/* ctxOnly: 'server' drops the finding in browser code; 'browser-warn' makes it a
	 * warning there (it cannot reach the host from the visitor's browser). */
	report(rule, sev, node, msg, ctxOnly) {
		if (ctxOnly === 'server' && this.ctx === 'browser') return;
		if (ctxOnly === 'browser-warn' && this.ctx === 'browser') {
			sev = 'warn';
			msg += BROWSER_NOTE;
			ctxOnly = null;
		}
		addFinding(rule, sev, this.file, this.mapLoc(node ? this.posOf(node.start) : null), msg, ctxOnly);
	}

	/* Line (1-based) and column (0-based) of an offset, as acorn's locations would say;
	 * computed only for findings, which keeps the parse lighter. */
	posOf(offset) {
		if (!this.lineStarts) this.lineStarts = lineStartsOf(this.src);
		return lineCol(this.lineStarts, offset);
	}

	/* acorn counts from the start of the piece it parsed; findings count from the
	 * start of the file. */
	mapLoc(loc) {
		if (!loc || !this.base) return loc;
		return { line: loc.line + this.base.line - 1, column: loc.line === 1 ? loc.column + this.base.column : loc.column };
	}

	walk(node, scope, role) {
		if (!isNode(node)) return;
		if (node.__scope) scope = node.__scope;
		switch (node.type) {
		case 'Identifier':
			this.onRef(node, scope, role);
			return;
		case 'MemberExpression':
			/* Writing to a property of a loader object is tampering too. */
			this.walk(node.object, scope, role === 'assign' ? 'assign' : 'object');
			if (node.computed) this.walk(node.property, scope, 'value');
			this.onRef(node, scope, role);
			if (node.computed && role !== 'assign') this.dynamicKey(node, scope);
			return;
		case 'CallExpression':
		case 'NewExpression':
			this.walk(node.callee, scope, node.type === 'NewExpression' ? 'new' : 'callee');
			for (const a of node.arguments) this.walk(a, scope, 'value');
			this.onCall(node, scope, node.type === 'NewExpression');
			/* What a call returns can itself be eval, Function, process.binding...:
			 * Reflect.get(globalThis, 'eval')('x'), eval.bind(null). */
			this.onRef(node, scope, role);
			return;
		case 'ImportExpression':
			this.walk(node.source, scope, 'value');
			for (const v of this.ev.val(node.source, scope)) {
				if (isStr(v)) this.moduleRule(sval(v), node, 'import()');
				else this.report('dynamic-require', 'warn', node, 'import() of a module name computed at run time');
			}
			return;
		case 'ImportDeclaration':
		case 'ExportAllDeclaration':
			this.moduleRule(String(node.source.value), node, 'import');
			return;
		case 'ExportNamedDeclaration':
			if (node.source) { this.moduleRule(String(node.source.value), node, 'import'); return; }
			if (node.declaration) { this.walk(node.declaration, scope, 'value'); return; }
			for (const sp of node.specifiers) this.walk(sp.local, scope, 'value');
			return;
		case 'Literal':
			if (typeof node.value === 'string') {
				this.onString(node.value, node, node.raw);
				this.embeddedHtml(node.value, this.posOf(node.start));
			}
			return;
		case 'TemplateLiteral':
			for (const q of node.quasis) if (q.value.cooked) this.onString(q.value.cooked, q, q.value.raw);
			/* ${...} parts stand in as 0 so that `<script>const x = ${data};</script>` parses. */
			this.embeddedHtml(node.quasis.map((q) => q.value.cooked || '').join('0'), this.posOf(node.start));
			for (const e of node.expressions) this.walk(e, scope, 'value');
			return;
		case 'TaggedTemplateExpression':
			this.walk(node.tag, scope, 'callee');
			this.walk(node.quasi, scope, 'value');
			return;
		case 'ArrayExpression':
			this.byteArray(node);
			for (const e of node.elements) this.walk(e, scope, 'value');
			return;
		case 'VariableDeclaration':
			for (const d of node.declarations) {
				this.walkPattern(d.id, scope);
				this.walk(d.init, scope, 'alias');
			}
			return;
		case 'AssignmentExpression':
			if (node.left.type === 'Identifier') {
				const local = scope && scope.lookup(node.left.name);
				this.walk(node.right, scope, local ? 'alias' : 'value');
			} else if (node.left.type === 'MemberExpression') {
				this.walk(node.left, scope, 'assign');
				this.walk(node.right, scope, 'value');
			} else {
				this.walkPattern(node.left, scope);
				this.walk(node.right, scope, 'alias');
			}
			return;
		case 'UnaryExpression':
			this.walk(node.argument, scope, node.operator === 'typeof' || node.operator === 'delete' ? 'typeof' : 'value');
			return;
		case 'BinaryExpression': {
			const cmp = ['==', '===', '!=', '!==', 'instanceof', 'in'].includes(node.operator);
			this.walk(node.left, scope, cmp ? 'compare' : 'value');
			this.walk(node.right, scope, cmp ? 'compare' : 'value');
			return;
		}
		case 'ConditionalExpression':
			this.walk(node.test, scope, 'test');
			this.walk(node.consequent, scope, role);
			this.walk(node.alternate, scope, role);
			return;
		case 'LogicalExpression':
			this.walk(node.left, scope, role === 'discard' ? 'test' : role);
			this.walk(node.right, scope, role);
			return;
		case 'SequenceExpression':
			node.expressions.forEach((e, i) => this.walk(e, scope, i === node.expressions.length - 1 ? role : 'discard'));
			return;
		case 'ChainExpression':
		case 'ParenthesizedExpression':
			this.walk(node.expression, scope, role);
			return;
		case 'AwaitExpression':
			this.walk(node.argument, scope, role === 'discard' ? 'value' : role);
			return;
		case 'ExpressionStatement':
			this.walk(node.expression, scope, 'discard');
			return;
		case 'IfStatement':
		case 'WhileStatement':
		case 'DoWhileStatement':
			this.walk(node.test, scope, 'test');
			this.walk(node.consequent || node.body, scope, 'value');
			if (node.alternate) this.walk(node.alternate, scope, 'value');
			return;
		case 'Property':
			if (node.computed) this.walk(node.key, scope, 'value');
			this.walk(node.value, scope, 'value');
			return;
		case 'MethodDefinition':
		case 'PropertyDefinition':
			if (node.computed) this.walk(node.key, scope, 'value');
			this.walk(node.value, scope, 'value');
			return;
		case 'LabeledStatement':
			this.walk(node.body, scope, 'value');
			return;
		case 'FunctionDeclaration':
		case 'FunctionExpression':
		case 'ArrowFunctionExpression':
			for (const p of node.params) this.walkPattern(p, scope);
			if (node.body.type === 'BlockStatement') for (const s of node.body.body) this.walk(s, scope, 'value');
			else this.walk(node.body, scope, 'value');
			return;
		case 'ClassDeclaration':
		case 'ClassExpression':
			this.walk(node.superClass, scope, 'value');
			this.walk(node.body, scope, 'value');
			return;
		case 'CatchClause':
			if (node.param) this.walkPattern(node.param, scope);
			this.walk(node.body, scope, 'value');
			return;
		case 'ForInStatement':
		case 'ForOfStatement':
			if (node.left.type === 'VariableDeclaration') {
				for (const d of node.left.declarations) this.walkPattern(d.id, scope);
			} else {
				this.walkPattern(node.left, scope);
			}
			this.walk(node.right, scope, 'value');
			this.walk(node.body, scope, 'value');
			return;
		case 'BreakStatement':
		case 'ContinueStatement':
		case 'ThisExpression':
		case 'Super':
		case 'MetaProperty':
		case 'PrivateIdentifier':
		case 'EmptyStatement':
		case 'DebuggerStatement':
			return;
		default:
			forEachChild(node, (c) => this.walk(c, scope, 'value'));
		}
	}

	walkPattern(pat, scope) {
		if (!isNode(pat)) return;
		switch (pat.type) {
		case 'Identifier':
			return;
		case 'ObjectPattern':
			for (const p of pat.properties) {
				if (p.type === 'RestElement') { this.walkPattern(p.argument, scope); continue; }
				if (p.computed) this.walk(p.key, scope, 'value');
				this.walkPattern(p.value, scope);
			}
			return;
		case 'ArrayPattern':
			for (const e of pat.elements) this.walkPattern(e, scope);
			return;
		case 'AssignmentPattern':
			this.walkPattern(pat.left, scope);
			this.walk(pat.right, scope, 'value');
			return;
		case 'RestElement':
			this.walkPattern(pat.argument, scope);
			return;
		default:
			this.walk(pat, scope, 'assign');
		}
	}

	onRef(node, scope, role) {
		if (NO_REPORT_ROLES.has(role)) return;
		for (const v of this.ev.val(node, scope)) if (v.k === 'ref') this.refRule(v.p, node, role);
	}

	refRule(p, node, role) {
		const base = p.replace(/(\.(call|apply|bind))+$/, '');
		const r = REF_RULES.get(base);
		const called = role === 'callee' || role === 'new';
		if (r) {
			if (role === 'assign' && r.rule !== 'module-loader') return;
			if (called && r.callChecked) return;
			this.report(r.rule, r.sev, node, called && r.call ? r.call : r.value,
				base === 'G.eval' || base === 'G.Function' ? 'browser-warn' : null);
			return;
		}
		if (role === 'assign') {
			if (base === 'M(module).prototype.require' || base === 'G.require')
				this.report('module-loader', 'block', node, 'replaces require ' + LOADER_MSG);
			return;
		}
		for (const g of MINER_GLOBALS) {
			if (base === g || base.startsWith(g + '.')) {
				this.report('mining', 'block', node, 'uses ' + g.slice(2) + ', a browser coin miner');
				return;
			}
		}
	}

	/* obj[expr] where obj is globalThis, process, require or Module and expr is unknown. */
	dynamicKey(node, scope) {
		const keys = this.ev.keyOf(node, scope);
		if (!keys.includes(null)) return;
		for (const o of this.ev.val(node.object, scope)) {
			if (o.k === 'ref' && SENSITIVE_OBJECTS.has(o.p)) {
				const name = o.p === 'G' ? 'the global object' : o.p.replace(/^G\./, '').replace(/^M\(module\)/, 'Module');
				this.report('dynamic-global', 'warn', node, 'member of ' + name + ' chosen at run time');
				return;
			}
		}
	}

	onCall(node, scope, isNew) {
		const ev = this.ev;
		let callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
		let args = node.arguments.some((a) => a.type === 'SpreadElement') ? null : node.arguments;
		let fvs = null;
		if (callee.type === 'MemberExpression' && args) {
			const names = ev.keyOf(callee, scope);
			if (names.length === 1 && (names[0] === 'call' || names[0] === 'apply')) {
				const base = ev.val(callee.object, scope);
				if (base.some((v) => v.k === 'ref')) {
					fvs = base;
					if (names[0] === 'call') args = args.slice(1);
					else args = args[1] && args[1].type === 'ArrayExpression' ? args[1].elements : null;
					callee = callee.object;
				}
			}
		}
		if (!fvs) fvs = ev.val(callee, scope);
		for (const fv of fvs) {
			if (fv.k !== 'ref') continue;
			if ((fv.p === 'G.Reflect.apply' || fv.p === 'G.Reflect.construct') && args) {
				const i = fv.p === 'G.Reflect.apply' ? 2 : 1;
				const inner = args[i] && args[i].type === 'ArrayExpression' ? args[i].elements : null;
				for (const f of ev.val(args[0], scope)) this.callRule(f, inner, node, scope, fv.p.endsWith('construct'));
				continue;
			}
			this.callRule(fv, args, node, scope, isNew);
		}
		if (callee.type === 'Identifier' && callee.name === 'require' &&
		    !fvs.some((v) => v.k === 'ref' && v.p === 'G.require'))
			this.callRule(ref('G.require'), args, node, scope, isNew);
	}

	callRule(fv, args, node, scope, isNew) {
		if (fv.k !== 'ref') return;
		const ev = this.ev;
		const p = fv.p;
		const arg = (i) => (args && args[i] ? ev.val(args[i], scope) : [UNK]);
		const has = (i) => !!(args && args[i]);
		switch (p) {
		case 'G.require':
		case 'M(module)._load':
			if (!has(0)) return;
			for (const v of arg(0)) {
				if (isStr(v)) this.moduleRule(sval(v), node, 'require');
				else if (v.k === 'prefix') this.report('dynamic-require', 'warn', node, `require() of a name computed at run time (starts with '${v.v.slice(0, 40)}')`);
				else this.report('dynamic-require', 'warn', node, 'require() of a name computed at run time');
			}
			return;
		case 'G.process.binding':
		case 'G.process._linkedBinding':
			for (const v of arg(0)) {
				if (isStr(v) && SPAWN_BINDINGS.has(sval(v)))
					this.report('child-process', 'block', node, `process.binding('${sval(v)}') starts other programs`);
				else
					this.report('process-binding', 'block', node, 'process.binding(' + (isStr(v) ? `'${sval(v)}'` : '...') + ') reaches Node internals');
			}
			return;
		case 'G.setTimeout':
		case 'G.setInterval':
		case 'G.execScript':
			if (arg(0).some((v) => v.k === 'str' || v.k === 'prefix'))
				this.report('eval', 'block', node, p.slice(2) + ' with a string argument compiles the string as code', 'browser-warn');
			break;
		case 'M(worker_threads).Worker':
			this.workerRule(args, node, scope);
			return;
		case 'M(net).connect':
		case 'M(net).createConnection':
		case 'M(tls).connect':
			this.socketRule(p.slice(2).replace(')', ''), args, node, scope);
			return;
		case 'M(net).Socket':
		case 'M(net).Stream':
			this.report('outbound-network', 'warn', node, 'creates a raw TCP socket (net.Socket)');
			return;
		case 'M(http2).connect':
			this.urlRule(arg(0), node, 'http2.connect', 'any');
			return;
		case 'M(http).request': case 'M(http).get': case 'M(https).request': case 'M(https).get':
			this.httpRule(p.slice(2).replace(')', ''), args, node, scope);
			return;
		case 'G.fetch':
			if (has(0)) this.urlRule(arg(0), node, 'fetch', 'server');
			return;
		case 'G.WebSocket':
		case 'G.EventSource':
		case 'G.navigator.sendBeacon':
			if (has(0)) this.urlRule(arg(0), node, p.slice(2), null);
			return;
		case 'G.WebAssembly.instantiate':
		case 'G.WebAssembly.compile':
		case 'G.WebAssembly.Module':
			for (const v of arg(0)) {
				const n = v.k === 'bytes' ? v.n : v.k === 'buf' ? v.b.length : v.k === 'arr' ? v.node.elements.length : 0;
				if (n >= WASM_MIN)
					this.report('mining', 'block', node, `WebAssembly module compiled from ${n} inline bytes (a common way to ship a miner)`);
			}
			return;
		default:
			break;
		}
		const fsm = /^M\(fs\)\.(?:promises\.)?([A-Za-z]+)$/.exec(p);
		if (fsm && (FS_ONE.has(fsm[1]) || FS_TWO.has(fsm[1]))) {
			this.pathRule(arg(0), node, 'fs.' + fsm[1]);
			if (FS_TWO.has(fsm[1])) this.pathRule(arg(1), node, 'fs.' + fsm[1]);
			return;
		}
		if ((EVAL_SINKS.has(p) || p.startsWith('M(vm).')) && args && args.some((a) => a && this.hasDecode(a, scope, 0, { n: 0 })))
			this.report('encoded-blob', 'block', node, 'decoded data is run as code');
	}

	workerRule(args, node, scope) {
		if (!args) return;
		const ev = this.ev;
		if (args[0] && ev.val(args[0], scope).some((v) => (v.k === 'str' || v.k === 'prefix') && /^data:/i.test(sval(v)))) {
			this.report('child-process', 'block', node, 'Worker started from a data: URL runs inline code');
			return;
		}
		if (args[0]) {
			for (const v of ev.val(args[0], scope)) {
				if (v.k === 'str' && /^\.\.?\//.test(v.v)) this.edges.push(posix.normalize(posix.join('.', v.v)));
			}
		}
		if (!args[1]) return;
		for (const o of ev.val(args[1], scope)) {
			if (o.k !== 'obj') continue;
			const e = ev.objMember(o, 'eval', 0);
			if (e.some((v) => !(v.k === 'bool' && !v.v) && v.k !== 'undef' && !(v.k === 'num' && !v.v))) {
				if (this.objHas(o, 'eval') !== 0)
					this.report('child-process', 'block', node, 'Worker with eval: true runs a string as code in a new thread');
			}
		}
	}

	/* 1: the object literal names key; 0: it does not; -1: a spread or computed key
	 * might. */
	objHas(o, key) {
		let r = 0;
		for (const p of o.node.properties) {
			if (p.type === 'SpreadElement' || p.computed) r = -1;
			else if (p.key.name === key || p.key.value === key) return 1;
		}
		return r;
	}

	hostRule(hosts, node, what) {
		for (const h of hosts) {
			if (isStr(h)) {
				if (!isLocalHost(sval(h))) this.report('outbound-network', 'warn', node, `${what} connects to ${sval(h)}`);
			} else if (h.k !== 'undef') {
				this.report('outbound-network', 'warn', node, `${what} connects to a host computed at run time`, 'server');
			}
		}
	}

	socketRule(what, args, node, scope) {
		if (!args || !args.length) return;
		for (const v of this.ev.val(args[0], scope)) {
			if (v.k === 'obj') {
				if (this.objHas(v, 'path') === 1) this.report('outbound-network', 'warn', node, `${what} connects to a unix socket`);
				else if (this.objHas(v, 'host') === 1) this.hostRule(this.ev.objMember(v, 'host', 0), node, what);
				else if (this.objHas(v, 'host') < 0 || this.objHas(v, 'path') < 0)
					this.report('outbound-network', 'warn', node, `${what} connects to an address computed at run time`);
			} else if (v.k === 'num') {
				if (args[1]) this.hostRule(this.ev.val(args[1], scope), node, what);
			} else if (v.k === 'str') {
				this.report('outbound-network', 'warn', node, `${what} connects to the unix socket ${sval(v)}`);
			} else {
				this.report('outbound-network', 'warn', node, `${what} connects to an address computed at run time`);
			}
		}
	}

	httpRule(what, args, node, scope) {
		if (!args || !args.length) return;
		for (const v of this.ev.val(args[0], scope)) {
			if (v.k === 'obj') {
				const hosts = [];
				for (const k of ['host', 'hostname']) if (this.objHas(v, k)) hosts.push(...this.ev.objMember(v, k, 0));
				if (this.objHas(v, 'socketPath') === 1) this.report('outbound-network', 'warn', node, `${what} connects to a unix socket`);
				this.hostRule(hosts, node, what);
			} else {
				this.urlRule([v], node, what, 'any');
			}
		}
	}

	/* dynamic: null (no finding for a computed URL), 'server' (only in server code),
	 * 'any'. Relative URLs stay on the app's origin. */
	urlRule(vals, node, what, dynamic) {
		for (const v of vals) {
			if (v.k === 'str' || v.k === 'prefix') {
				const h = urlHost(sval(v), v.k === 'str');
				if (h === null) {
					if (dynamic) this.report('outbound-network', 'warn', node, `${what} to an address computed at run time`, dynamic === 'server' ? 'server' : null);
				} else if (h !== '' && !isLocalHost(h)) {
					this.report('outbound-network', 'warn', node, `${what} to ${h}`);
				}
			} else if (dynamic) {
				this.report('outbound-network', 'warn', node, `${what} to an address computed at run time`, dynamic === 'server' ? 'server' : null);
			}
		}
	}

	pathRule(vals, node, what) {
		for (const v of vals) {
			if (v.k !== 'str' && v.k !== 'prefix') continue;
			let s = sval(v);
			if (s.startsWith('file://')) s = s.slice(7);
			const rel = !s.startsWith('/');
			let n;
			if (v.k === 'str') {
				n = posix.normalize(rel ? posix.join('/app', s) : s);
			} else {
				const cut = s.lastIndexOf('/');
				if (cut < 0) continue;
				n = posix.normalize(rel ? posix.join('/app', s.slice(0, cut + 1)) : s.slice(0, cut + 1));
				if (n.length > 1 && n.endsWith('/')) n = n.slice(0, -1);
				if (FS_ALLOWED.some((a) => a.startsWith(n === '/' ? '/' : n + '/') || a === n)) continue;
			}
			if (FS_ALLOWED.some((a) => n === a || n.startsWith(a + '/'))) continue;
			if (rel) {
				this.report('fs-outside-app', 'warn', node, `${what}('${s.slice(0, 80)}') climbs out of the app directory`);
				continue;
			}
			const sys = SYSTEM_DIRS.find((d) => n === d || n.startsWith(d + '/'));
			this.report('fs-outside-app', 'warn', node, `${what} on ${n.slice(0, 80)}${v.k === 'prefix' ? '...' : ''}: ` +
				(sys ? 'a system path' : 'outside the app, DATA_DIR and /tmp'));
		}
	}

	/* Does the expression (or what its identifiers hold) decode data: atob(),
	 * Buffer.from(..., enc), String.fromCharCode(), unescape()...? */
	hasDecode(node, scope, depth, budget) {
		if (!isNode(node) || depth > 3 || ++budget.n > 400) return false;
		if (node.type === 'CallExpression') {
			for (const f of this.ev.val(node.callee, scope)) if (f.k === 'ref' && DECODERS.has(f.p)) return true;
			if (node.callee.type === 'MemberExpression' && this.ev.val(node.callee.object, scope).some((v) => v.k === 'buf'))
				return true;
		}
		if (node.type === 'Identifier') {
			const b = scope && scope.lookup(node.name);
			if (b) for (const d of b.defs) if (d.expr && this.hasDecode(d.expr, d.scope, depth + 1, budget)) return true;
			return false;
		}
		if (/Function/.test(node.type)) return false;
		let found = false;
		forEachChild(node, (c) => { if (!found && this.hasDecode(c, scope, depth, budget)) found = true; });
		return found;
	}

	moduleRule(spec, node, how, nested) {
		let name = normModule(spec);
		if (name.startsWith('#')) {
			if (nested) return;
			for (const t of importsMap.get(name) || []) this.moduleRule(t, node, how + ` (through package.json imports ${name})`, true);
			return;
		}
		if (/^data:/i.test(name)) {
			this.report('eval', 'block', node, `${how} of a data: URL runs inline code`);
			return;
		}
		if (/^https?:/i.test(name)) {
			this.report('outbound-network', 'warn', node, `${how} of code from ${name.slice(0, 80)}`, 'server');
			return;
		}
		if (/^file:/i.test(name)) name = name.replace(/^file:(\/\/)?/i, '');
		const pkg = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
		const r = MODULE_RULES[name] || (name.startsWith('.') || name.startsWith('/') ? null : MODULE_RULES[pkg]);
		if (r) {
			const lit = node.type === 'ImportDeclaration' || (node.arguments && node.arguments[0] && node.arguments[0].type === 'Literal');
			this.report(r[0], r[1], node, `${how}('${spec}'): ${r[2]}` + (lit || how !== 'require' ? '' : ' (name built by an expression)'));
			return;
		}
		if (name.endsWith('.node')) {
			this.report('native-addon', 'block', node, `${how} of ${name}: a native addon`);
			return;
		}
		const lower = name.toLowerCase();
		const w = MINER_WORDS.find((x) => lower.includes(x));
		if (w) {
			this.report('mining', 'block', node, `${how} of ${name}: a coin miner`);
			return;
		}
		if (!name.startsWith('.') && !name.startsWith('/')) return;
		const abs = posix.normalize(name.startsWith('/') ? name : posix.join(this.ev.dir, name));
		if (abs.startsWith('/app/')) {
			this.edges.push(abs.slice(5));
		} else if (abs === '/tmp' || abs.startsWith('/tmp/') || abs === '/data' || abs.startsWith('/data/')) {
			this.report('eval', 'block', node, `${how} of ${abs.slice(0, 80)}: code from a writable directory, never scanned`);
		} else {
			this.report('fs-outside-app', 'warn', node, `${how} of ${abs.slice(0, 80)}: outside the app`);
		}
	}

	/* Pages served from a string (res.send(`<html>...<script>...`)) run their scripts
	 * in the browser like any page: read them too, best effort (a script that does not
	 * parse on its own is skipped, not reported). */
	embeddedHtml(text, loc) {
		if (embedDepth > 1 || text.length > FOLD_MAX || !/<script[\s>]/i.test(text)) return;
		const starts = lineStartsOf(text);
		embedDepth++;
		try {
			for (const t of tokenizeHtml(text)) {
				if (t.tag !== 'script' || !t.content || t.attrs.some((a) => a.name === 'src')) continue;
				const ta = t.attrs.find((a) => a.name === 'type');
				const type = ta && ta.value !== null ? ta.value.trim().toLowerCase() : '';
				if (!JS_TYPES.has(type)) continue;
				const lc = lineCol(starts, t.content.offset);
				const base = { line: loc.line + lc.line - 1, column: (lc.line === 1 ? loc.column + 1 : 0) + lc.column };
				analyzeJs(this.file, t.content.text, type === 'module' ? ['module'] : ['script', 'module'], 'browser', null, base);
			}
		} finally {
			embedDepth--;
		}
	}

	onString(s, node, raw) {
		if (s.length >= BLOB_MIN) {
			const kind = blobKind(s);
			if (kind) this.report('encoded-blob', 'warn', node, `${s.length}-character ${kind} string literal`);
		}
		const lower = (s.length > FOLD_MAX ? s.slice(0, FOLD_MAX) : s).toLowerCase();
		for (const w of MINER_WORDS) {
			if (lower.includes(w)) {
				this.report('mining', 'block', node, `string mentions ${w} (a coin miner or mining pool)`);
				break;
			}
		}
		if (raw && raw.length >= 256) {
			const esc = (raw.match(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\})/g) || []).length;
			if (esc >= 64 && esc * 4 >= raw.length * 0.5)
				this.report('encoded-blob', 'warn', node, `string literal written almost only in \\x/\\u escapes (${esc} of them)`);
		}
	}

	byteArray(node) {
		const els = node.elements;
		if (els.length < BLOB_MIN) return;
		let bytes = 0;
		for (const e of els) {
			if (e && e.type === 'Literal' && Number.isInteger(e.value) && e.value >= 0 && e.value <= 255) bytes++;
		}
		if (bytes >= els.length * 0.95)
			this.report('encoded-blob', 'warn', node, `inline array of ${els.length} byte values`);
	}
}

/* --------------------------------------------------------------- parsing ------ */

let pkgTypeModule = false;
let embedDepth = 0;

function parseJs(src, modes) {
	let first = null;
	for (const sourceType of modes) {
		try {
			return {
				ast: acorn.parse(src, {
					ecmaVersion: 'latest', sourceType, allowHashBang: true, locations: false,
					allowReturnOutsideFunction: sourceType === 'script',
				}),
			};
		} catch (e) {
			if (isStackOverflow(e)) return { error: 'nesting too deep to parse', loc: null };
			if (!(e instanceof SyntaxError)) throw e;
			if (!first || (e.pos || 0) > (first.pos || 0)) first = e;
		}
	}
	return { error: first.message.replace(/ \(\d+:\d+\)$/, ''), loc: first.loc || null };
}

/* Parses and walks one piece of JavaScript. ctx: 'server' or 'browser'. parseSeverity:
 * what an unparsable piece weighs. Returns the FileScan (edges, ...). */
function analyzeJs(file, src, modes, ctx, parseSeverity, base) {
	const fsn = new FileScan(file, ctx, parseSeverity, base, src);
	const parsed = parseJs(src, modes);
	if (parsed.error) {
		if (!parseSeverity) return fsn; /* code embedded in a string: best effort */
		addFinding('parse-error', parseSeverity, file, fsn.mapLoc(parsed.loc),
			`cannot be parsed as JavaScript: ${parsed.error}` +
			(parseSeverity === 'block' ? ' (code that cannot be read cannot be checked)' : ''), 'browser-warn');
		return fsn;
	}
	try {
		const pending = [];
		pending.calls = [];
		buildScopes(parsed.ast, null, pending);
		for (const p of pending) {
			const b = p.scope.lookup(p.name);
			if (b) b.defs.push(p.def);
		}
		bindArguments(pending.calls);
		fsn.walk(parsed.ast, parsed.ast.__scope, 'discard');
	} catch (e) {
		if (isStackOverflow(e)) {
			if (parseSeverity) addFinding('parse-error', parseSeverity, file, null, 'nesting too deep to analyse', 'browser-warn');
		} else {
			/* A bug of the scanner must not let the file through unread. */
			process.stderr.write(`scan.js: internal error on ${file}: ${e && e.stack}\n`);
			addFinding('scan-failed', 'block', file, null, 'the scanner could not analyse this file (internal error)');
		}
	}
	return fsn;
}

/* Arguments of direct calls to a local function become candidate values of its
 * parameters (which stay unknown too: other callers may exist), so a wrapper such as
 * function load(m) { return require(m) } load('child_process') is seen. */
function bindArguments(calls) {
	let budget = 20000;
	for (const { node, scope } of calls) {
		const b = scope.lookup(node.callee.name);
		if (!b || b.defs.length !== 1) continue;
		const d = b.defs[0];
		let fn = null;
		if (d.val && d.val[0].k === 'fn') fn = d.val[0].node;
		else if (d.expr && !d.path.length && (d.expr.type === 'FunctionExpression' || d.expr.type === 'ArrowFunctionExpression')) fn = d.expr;
		if (!fn || !fn.__scope || !fn.params) continue;
		fn.params.forEach((p, i) => {
			const arg = node.arguments[i];
			if (p.type !== 'Identifier' || !arg || arg.type === 'SpreadElement' || --budget < 0) return;
			const pb = fn.__scope.vars.get(p.name);
			if (pb && pb.kind === 'param' && pb.defs.length < SET_MAX) pb.defs.push({ expr: arg, scope, path: [] });
		});
	}
}

function jsModes(file) {
	if (file.endsWith('.mjs')) return ['module'];
	if (file.endsWith('.cjs')) return ['script'];
	return pkgTypeModule ? ['module', 'script'] : ['script', 'module'];
}

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

function analyzeHtml(file, src, browserFiles) {
	const lineStarts = lineStartsOf(src);
	const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
	const scans = [];
	for (const t of tokenizeHtml(src)) {
		for (const a of t.attrs) {
			if (a.value === null) continue;
			if (/^on[a-z]+$/.test(a.name)) {
				scans.push(analyzeJs(file, decodeEntities(a.value), ['script'], 'browser', 'warn', baseAt(lineStarts, a.offset)));
			} else if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)) {
				const v = decodeEntities(a.value).trim();
				const m = /^javascript:/i.exec(v);
				if (m) scans.push(analyzeJs(file, ' '.repeat(m[0].length) + v.slice(m[0].length), ['script'], 'browser', 'warn', baseAt(lineStarts, a.offset)));
				const lw = v.toLowerCase();
				const w = MINER_WORDS.find((x) => lw.includes(x));
				if (w) addFinding('mining', 'block', file, lineCol(lineStarts, a.offset), `<${t.tag} ${a.name}> loads ${w} (a coin miner)`);
				if (t.tag === 'script' && a.name === 'src' && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(v)) {
					const p = v.split(/[?#]/)[0];
					const cands = p.startsWith('/') ? [p.slice(1), posix.join(dir, p.slice(1)), 'public/' + p.slice(1), 'static/' + p.slice(1)]
						: [posix.join(dir || '.', p)];
					for (const c of cands) browserFiles.add(posix.normalize(c));
				}
			}
		}
		if (t.tag === 'script' && t.content && !t.attrs.some((a) => a.name === 'src')) {
			const ta = t.attrs.find((a) => a.name === 'type');
			const type = ta && ta.value !== null ? ta.value.trim().toLowerCase() : '';
			if (!JS_TYPES.has(type)) continue;
			scans.push(analyzeJs(file, t.content.text, type === 'module' ? ['module'] : ['script', 'module'], 'browser', 'warn',
				baseAt(lineStarts, t.content.offset)));
		}
	}
	return scans;
}

/* ------------------------------------------------------------ package.json ---- */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare', 'prepublish'];
const DEP_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies'];

function propOf(obj, key) {
	if (!obj || obj.type !== 'ObjectExpression') return null;
	for (let i = obj.properties.length - 1; i >= 0; i--) {
		const p = obj.properties[i];
		if (p.key && p.key.type === 'Literal' && p.key.value === key) return p;
	}
	return null;
}

function stringLeaves(node, out) {
	if (!node) return out;
	if (node.type === 'Literal' && typeof node.value === 'string') out.push(node);
	else if (node.type === 'ObjectExpression') for (const p of node.properties) stringLeaves(p.value, out);
	else if (node.type === 'ArrayExpression') for (const e of node.elements) stringLeaves(e, out);
	return out;
}

function analyzePackageJson(file, src, isRoot) {
	try {
		JSON.parse(src);
	} catch (e) {
		addFinding('parse-error', 'warn', file, null, 'package.json is not valid JSON: ' + e.message);
		return;
	}
	let root;
	try {
		root = acorn.parseExpressionAt(src, 0, { ecmaVersion: 'latest', locations: true });
	} catch (e) {
		addFinding('parse-error', 'warn', file, null, 'package.json cannot be read: ' + e.message);
		return;
	}
	if (root.type !== 'ObjectExpression') {
		addFinding('parse-error', 'warn', file, null, 'package.json is not a JSON object');
		return;
	}
	const fsn = new FileScan(file, 'server', 'warn', null, src);
	const at = (n) => n.loc.start;
	const type = propOf(root, 'type');
	if (isRoot && type && type.value.value === 'module') pkgTypeModule = true;
	const scripts = propOf(root, 'scripts');
	if (scripts && scripts.value.type === 'ObjectExpression') {
		for (const p of scripts.value.properties) {
			const k = p.key.value;
			const v = typeof p.value.value === 'string' ? p.value.value : '';
			if (INSTALL_SCRIPTS.includes(k))
				addFinding('install-script', 'warn', file, at(p), `npm runs the "${k}" script on install: ${v.slice(0, 100)}`);
			const w = MINER_WORDS.find((x) => v.toLowerCase().includes(x));
			if (w) addFinding('mining', 'block', file, at(p), `script "${k}" mentions ${w} (a coin miner)`);
		}
	}
	for (const sec of DEP_SECTIONS) {
		const s = propOf(root, sec);
		if (!s || s.value.type !== 'ObjectExpression') continue;
		for (const p of s.value.properties) {
			const name = String(p.key.value);
			const spec = typeof p.value.value === 'string' ? p.value.value : '';
			const r = MODULE_RULES[name];
			if (r) addFinding(r[0], 'warn', file, at(p), `depends on ${name}: ${r[2].replace(/^loads [^,]*, /, '')}`);
			const w = MINER_WORDS.find((x) => name.toLowerCase().includes(x));
			if (w) addFinding('mining', 'block', file, at(p), `depends on ${name}, a coin miner`);
			if (/^(git\+|git:|github:|gitlab:|bitbucket:|https?:|file:|link:)|^[\w.-]+\/[\w.-]+(#.*)?$/i.test(spec))
				addFinding('dependency', 'warn', file, at(p), `${name} comes from ${spec.slice(0, 100)}, not from the registry`);
		}
	}
	const gyp = propOf(root, 'gypfile');
	if (gyp && gyp.value.value === true) addFinding('native-addon', 'warn', file, at(gyp), 'package builds a native addon (gypfile)');
	const imports = propOf(root, 'imports');
	if (isRoot && imports && imports.value.type === 'ObjectExpression') {
		for (const p of imports.value.properties) {
			const key = String(p.key.value);
			const targets = stringLeaves(p.value, []);
			importsMap.set(key, targets.map((t) => t.value));
			for (const t of targets) {
				const v = t.value;
				if (v.startsWith('./')) continue;
				fsn.moduleRule(v, t, `package.json imports ${key} ->`, true);
			}
		}
	}
}

/* ------------------------------------------------------------------- main ----- */

function scanFiles(files) {
	const paths = Object.keys(files).sort();
	for (const f of paths) {
		if (typeof files[f] !== 'string') die(`files["${f.slice(0, 100)}"] must be a string`);
	}
	if (files['package.json'] !== undefined) analyzePackageJson('package.json', files['package.json'], true);
	for (const f of paths) if (f !== 'package.json' && /(^|\/)package\.json$/.test(f)) analyzePackageJson(f, files[f], false);

	const browserFiles = new Set();
	const required = new Set();
	const done = new Set();
	const queue = [];
	for (const f of paths) {
		const lf = f.toLowerCase();
		if (/\.(js|mjs|cjs)$/.test(lf)) queue.push(f);
		else if (/\.(html?|svg|xhtml)$/.test(lf)) {
			done.add(f);
			analyzeHtml(f, files[f], browserFiles);
		} else if (lf.endsWith('.node')) {
			addFinding('native-addon', 'block', f, null, 'a native addon file (.node)');
		}
	}
	/* Files a relative require() names are code even without a .js name: Node runs
	 * them as JavaScript. */
	while (queue.length) {
		const f = queue.shift();
		if (done.has(f)) continue;
		done.add(f);
		const fsn = analyzeJs(f, files[f], jsModes(f), 'server', 'block');
		for (const e of fsn.edges) {
			for (const c of [e, e + '.js', e + '.cjs', e + '.mjs', e + '.json', e + '/index.js']) {
				if (files[c] === undefined) continue;
				required.add(c);
				if (!done.has(c) && !c.endsWith('.json')) queue.push(c);
				break;
			}
		}
	}
	/* Files only a page loads run in the visitor's browser: computed fetch() URLs are
	 * normal there and eval cannot reach the host. Unless some server code requires a
	 * name computed at run time: then any file might run on the server. */
	const dynamic = findings.some((x) => x.rule === 'dynamic-require');
	const browserOnly = (f) => browserFiles.has(f) && !required.has(f) && !dynamic;
	const kept = [];
	for (const x of findings) {
		if (x.ctxOnly && browserOnly(x.file)) {
			if (x.ctxOnly === 'server') continue;
			if (x.severity === 'block') {
				x.severity = 'warn';
				x.message += BROWSER_NOTE;
			}
		}
		kept.push(x);
	}
	return kept;
}

function main(input) {
	let req;
	try {
		req = JSON.parse(input);
	} catch (e) {
		die('input is not JSON: ' + e.message);
	}
	if (!req || typeof req !== 'object' || !req.files || typeof req.files !== 'object' || Array.isArray(req.files))
		die('input must be {"files": {"path": "content", ...}}');
	let list = scanFiles(req.files);
	const verdict = list.some((x) => x.severity === 'block') ? 'block' : list.length ? 'warn' : 'pass';
	list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'block' ? -1 : 1));
	if (list.length > MAX_FINDINGS) {
		truncated = list.length - MAX_FINDINGS;
		list = list.slice(0, MAX_FINDINGS);
	}
	list.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : 1)));
	const out = list.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, file, line, column, message }));
	if (truncated) out.push({ rule: 'scan-limit', severity: 'warn', file: '', line: 0, column: 0, message: `${truncated} more findings not listed` });
	process.stdout.write(JSON.stringify({ verdict, findings: out }) + '\n');
}

const chunks = [];
let total = 0;
process.stdin.on('data', (c) => {
	total += c.length;
	if (total > MAX_INPUT) die(`input larger than ${MAX_INPUT} bytes`);
	chunks.push(c);
});
process.stdin.on('end', () => main(Buffer.concat(chunks).toString('utf8')));
process.stdin.on('error', (e) => die('reading stdin: ' + e.message));
