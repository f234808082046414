// logsummary.js: puts an app's crash plainly. From the log records of one run it finds
// Node's typical crash output and says it in one line: a syntax error
// ("/app/server.js:6" ... "SyntaxError: Unexpected token ';'") becomes
// "server.js line 6: Unexpected token ';'"; an uncaught exception with a stack becomes
// "server.js line 10: TypeError: x is not a function", at the first frame in the app's
// own code (not node: internals, not node_modules). Pure: no DOM, no network.

const ERROR_LINE = /^(?:Uncaught )?([A-Z][A-Za-z]*(?:Error|Exception)|Error)(?: \[([A-Z0-9_]+)\])?(?:: (.*))?$/;
const LOCATION_LINE = /^(?:file:\/\/)?(\/[^:()]+\.[cm]?js):(\d+)$/;
const FRAME = /^\s+at (?:.*\()?(?:file:\/\/)?(\/[^:()]+\.[cm]?js):(\d+)(?::\d+)?\)?$/;

// /app/lib/db.js -> lib/db.js (the app's code is mounted at /app in its sandbox).
export function appPath(p) {
	return p.replace(/^\/app\//, '');
}

function ownFrame(path) {
	return path.startsWith('/app/') && !path.includes('/node_modules/');
}

// records: [{at, stream, text}] of one run, oldest first. Returns null when there is no
// crash to tell, else {summary, lines} with the records the summary was made from.
export function summarizeCrash(records) {
	const err = records.filter((r) => r.stream === 'err');
	for (let i = err.length - 1; i >= 0; i--) {
		const m = ERROR_LINE.exec(err[i].text);
		if (!m)
			continue;
		const [, type, code, message] = m;
		let where = null;
		// Node prints "file:line", the source line and a caret above the error line.
		for (let j = i - 1; j >= 0 && j >= i - 6; j--) {
			const loc = LOCATION_LINE.exec(err[j].text);
			if (loc) {
				where = {file: loc[1], line: Number(loc[2]), from: j};
				break;
			}
		}
		let end = i + 1;
		let frame = null;
		for (; end < err.length && /^\s+at /.test(err[end].text); end++) {
			const f = FRAME.exec(err[end].text);
			if (f && !frame && ownFrame(f[1]))
				frame = {file: f[1], line: Number(f[2])};
		}
		if (type === 'SyntaxError' && where)
			return {summary: appPath(where.file) + ' line ' + where.line + ': ' + (message || type),
				lines: err.slice(where.from, end)};
		const what = type + (code ? ' [' + code + ']' : '') + (message ? ': ' + message : '');
		const at = frame || (where && ownFrame(where.file) ? where : null);
		return {summary: (at ? appPath(at.file) + ' line ' + at.line + ': ' : '') + what,
			lines: err.slice(where ? where.from : i, end)};
	}
	return null;
}
