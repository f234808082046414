'use strict';
/* scanner/scan_rules.js: the rules: what a small web app should not do (tables of
 * global paths, modules, file system calls, hosts, miners) and the checks FileScan runs
 * on references, calls, module names, paths, URLs and literals (class ScanRules). */
const { FOLD_MAX, UNK, isStr, sval, normModule, importsMap } = require('./scan_values.js');
const { isNode, forEachChild } = require('./scan_scope.js');

const BLOB_MIN = 1024;          /* encoded literal length that counts as a blob */
const WASM_MIN = 1024;          /* inline WebAssembly bytes that count as a payload */

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

/* The checks of FileScan (its base class): they read this.ev (the Evaluator), this.file
 * and this.ctx, add to this.edges (the files a require() names) and report through
 * this.report(). */
class ScanRules {
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

module.exports = { MINER_WORDS, SENSITIVE_OBJECTS, BROWSER_NOTE, NO_REPORT_ROLES, ScanRules, MODULE_RULES };
