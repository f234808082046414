// net/server.js: hostile server (runs ONLY inside the sandbox). Serves HTTP on its
// given PORT, then tries to open listeners of its own on other ports (each answering the
// same report, in case the sandbox maps them onto its socket); reports what happened.
'use strict';
const http = require('http');
const extra = {};
const handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ extra }));
};
http.createServer(handler).listen(process.env.PORT, () => {
  const [p1, p2] = JSON.parse(require('fs').readFileSync('/app/extra.json', 'utf8'));
  for (const [p, h] of [[p1, '0.0.0.0'], [p2, '127.0.0.1'], [0, '0.0.0.0']]) {
    const s = http.createServer(handler);
    s.on('error', (e) => { extra[h + ':' + p] = e.code || e.message; });
    s.listen(p, h, () => { extra[h + ':' + p] = 'LISTENING:' + JSON.stringify(s.address()); });
  }
});
