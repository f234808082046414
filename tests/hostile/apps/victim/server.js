// victim/server.js: an ordinary app whose code and data hold secrets that OTHER
// sandboxed apps try to read. Writes its data canary at start, then serves it.
'use strict';
const fs = require('fs');
const http = require('http');
const secret = fs.readFileSync('/app/secret.txt', 'utf8').trim();
const dataSecret = 'DATA-' + secret;
fs.writeFileSync(process.env.DATA_DIR + '/secret.txt', dataSecret + '\n');
http.createServer((req, res) => {
  let body;
  try { body = fs.readFileSync(process.env.DATA_DIR + '/secret.txt', 'utf8'); } catch (e) { body = e.code; }
  res.end(body);
}).listen(process.env.PORT);
