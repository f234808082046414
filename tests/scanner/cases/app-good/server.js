'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { URL } = require('url');

const DATA = path.join(process.env.DATA_DIR || path.join(__dirname, 'data'), 'todos.json');
const PUBLIC = path.join(__dirname, 'public');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function load() {
	try { return JSON.parse(fs.readFileSync(DATA, 'utf8')); } catch (e) { return []; }
}
function save(items) {
	fs.mkdirSync(path.dirname(DATA), { recursive: true });
	fs.writeFileSync(DATA + '.tmp', JSON.stringify(items));
	fs.renameSync(DATA + '.tmp', DATA);
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://localhost');
	if (url.pathname === '/api/todos' && req.method === 'GET') {
		res.setHeader('Content-Type', 'application/json');
		return res.end(JSON.stringify(load()));
	}
	let body = '';
	req.on('data', (c) => { body += c; });
	req.on('end', () => {
		const file = path.join(PUBLIC, path.normalize(url.pathname === '/' ? '/index.html' : url.pathname));
		if (!file.startsWith(PUBLIC)) { res.statusCode = 403; return res.end(); }
		fs.readFile(file, (err, data) => {
			if (err) { res.statusCode = 404; return res.end('not found'); }
			res.setHeader('Content-Type', TYPES[path.extname(file)] || 'application/octet-stream');
			res.end(data);
		});
	});
});
server.listen(process.env.PORT || 3000);
