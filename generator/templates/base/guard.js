'use strict';
// appforge_guard.js: added by appforge to every generated app and loaded by server.js.
// Cross-site writes are refused before the app sees them. A state-changing request
// (POST, PUT, PATCH, DELETE) must say it is JSON (an HTML form or a text/plain fetch from
// another site cannot, without a CORS preflight the app never answers) and, when the
// browser says where it comes from (Origin, Sec-Fetch-Site), come from the app's own
// origin: the scheme nginx reports (X-Forwarded-Proto) and the Host the browser sent.
// Anything else gets a JSON 403. It works by wrapping the 'request' event of every
// http.Server, so it holds whatever the rest of the app does with its routes.
const http = require('http');

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Why this request is refused, or null.
function refusal(req) {
  if (!WRITES.has(req.method)) return null;
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return 'a write must be sent as application/json';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const scheme = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    if (origin !== scheme + '://' + String(req.headers.host || '').toLowerCase()) {
      return 'writes from another origin are refused';
    }
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return 'writes from another site are refused';
  }
  return null;
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function guardedEmit(event, req, res) {
  if (event === 'request' && req && res) {
    const why = refusal(req);
    if (why !== null) {
      const body = JSON.stringify({ error: { code: 'forbidden', message: why } });
      res.writeHead(403, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(body);
      req.resume();
      return true;
    }
  }
  return emit.apply(this, arguments);
};
