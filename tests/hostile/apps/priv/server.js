// priv/server.js: a server that uses the fs paths libuv would hand to io_uring (async
// reads and writes) on every request: it must keep answering when io_uring is refused.
'use strict';
const fs = require('fs');
const http = require('http');
let n = 0;
http.createServer((req, res) => {
  n += 1;
  fs.writeFile('/data/count', String(n), (e1) => {
    fs.readFile('/app/server.js', (e2, b) => {
      fs.readFile('/data/count', 'utf8', (e3, c) => {
        res.end(JSON.stringify({ ok: !e1 && !e2 && !e3 && b.length > 0, count: c }));
      });
    });
  });
}).listen(process.env.PORT);
