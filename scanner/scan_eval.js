'use strict';
/* scanner/scan_eval.js: the evaluator: the small abstract interpretation that folds an
 * expression into its candidate values (aliases, string building, decoders, paths), so
 * the rules see 'child' + '_process' as child_process. */
const { FOLD_MAX, SET_MAX, UNK, union, str, ref, isStr, sval, normModule, resolveImportsMap } = require('./scan_values.js');
const { isStackOverflow } = require('./scan_scope.js');

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

module.exports = { Evaluator };
