'use strict';
/* scanner/scan_pkg.js: package.json: install scripts, dependencies, the "imports" map
 * and the "type" that decides how the app's .js files parse (jsModes). */
const { addFinding } = require('./scan_report.js');
const { importsMap } = require('./scan_values.js');
const { MINER_WORDS, MODULE_RULES } = require('./scan_rules.js');
const { acorn, FileScan } = require('./scan_walk.js');

/* ------------------------------------------------------------ package.json ---- */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare', 'prepublish'];
const DEP_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies'];

let pkgTypeModule = false;

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

function jsModes(file) {
	if (file.endsWith('.mjs')) return ['module'];
	if (file.endsWith('.cjs')) return ['script'];
	return pkgTypeModule ? ['module', 'script'] : ['script', 'module'];
}

module.exports = { analyzePackageJson, jsModes };
