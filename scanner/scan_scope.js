'use strict';
/* scanner/scan_scope.js: scopes: one pass over a parsed file that declares every
 * binding (var, let, const, functions, classes, parameters, imports, destructuring) in
 * its scope and records each definition, so a reference resolves to its declaration. */
const { UNK, ref, normModule } = require('./scan_values.js');

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

module.exports = { isStackOverflow, isNode, forEachChild, buildScopes };
