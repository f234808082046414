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
 * the wall. It runs under a timeout and rlimits set by scanner.c.
 *
 * This file is the entry: the input, which files are code and where they run, the
 * browser/server context of each finding. Its modules sit beside it (scan_*.js, see
 * README.md: report, values, scope, eval, rules, walk, html, pkg). */
const { die, findings, addFinding, writeReport } = require('./scan_report.js');
const { BROWSER_NOTE } = require('./scan_rules.js');
const { analyzeJs, analyzeHtml } = require('./scan_walk.js');
const { analyzePackageJson, jsModes } = require('./scan_pkg.js');

const MAX_INPUT = Number(process.env.AF_SCAN_MAX_BYTES) || 64 * 1024 * 1024;

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
	writeReport(scanFiles(req.files));
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
