'use strict';
/* scanner/scan_report.js: the scanner's findings (one per rule, file and line) and its
 * output: the verdict and the sorted, bounded list on stdout, or exit 2 with a message
 * on stderr (die) when the input is not what it should be. */

const MAX_FINDINGS = 200;

function die(msg) {
	process.stderr.write('scan.js: ' + msg + '\n');
	process.exit(2);
}

/* ---------------------------------------------------------------- findings ---- */

const findings = [];
const seen = new Set();

function addFinding(rule, severity, file, loc, message, ctxOnly) {
	const line = loc ? loc.line : 0;
	const column = loc ? loc.column + 1 : 0;
	const key = rule + '\0' + file + '\0' + line;
	if (seen.has(key)) return;
	seen.add(key);
	findings.push({ rule, severity, file, line, column, message, ctxOnly });
}

/* Writes the verdict and the findings of list (those kept for the report): block
 * first when more than MAX_FINDINGS must be cut, then by file, line, column, rule. */
function writeReport(list) {
	let truncated = 0;
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

module.exports = { die, addFinding, findings, writeReport };
