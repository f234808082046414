'use strict';
/* scanner/scan_walk.js: the walk: parses one piece of JavaScript with acorn, builds its
 * scopes and visits every node (class FileScan), handing references, calls and
 * literals to the rules; also the scripts of an HTML page and of a page in a string. */
const { die, addFinding } = require('./scan_report.js');
const { FOLD_MAX, SET_MAX, ref, isStr, sval } = require('./scan_values.js');
const { isStackOverflow, isNode, forEachChild, buildScopes } = require('./scan_scope.js');
const { Evaluator } = require('./scan_eval.js');
const { MINER_WORDS, SENSITIVE_OBJECTS, BROWSER_NOTE, NO_REPORT_ROLES, ScanRules } = require('./scan_rules.js');
const { JS_TYPES, decodeEntities, tokenizeHtml, lineStartsOf, lineCol, baseAt } = require('./scan_html.js');

const posix = require('path').posix;

function loadModule(name) {
	for (const p of ['/usr/share/nodejs/' + name, name]) {
		try { return require(p); } catch (e) { /* next */ }
	}
	return die(name + ' not found: install Debian\'s node-acorn (apt-get install node-acorn) ' +
		'or point NODE_PATH at a directory holding ' + name);
}
const acorn = loadModule('acorn');

let embedDepth = 0;             /* pages in strings inside pages in strings: embeddedHtml */

/* One piece of JavaScript being walked (a file, an inline script, a page in a string):
 * the traversal lives here, the checks it calls in its base class ScanRules. */
class FileScan extends ScanRules {
	constructor(file, ctx, parseSeverity, base, src) {
		super();
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
}

/* --------------------------------------------------------------- parsing ------ */


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

module.exports = { acorn, FileScan, analyzeJs, analyzeHtml };
