// net/server.js: hostile server (runs ONLY inside the sandbox). Serves HTTP on its
// given PORT, and also tries to open listeners of its own on other ports (every one
// answers the same report, in case the sandbox maps them onto its own socket).
'use strict';
const http = require('http');
const extra = {};
const handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ extra }));
};
const tries = [[29553, '0.0.0.0'], [29554, '127.0.0.1'], [0, '0.0.0.0']];
for (const [p, h] of tries) {
  const s = http.createServer(handler);
  s.on('error', (e) => { extra[h + ':' + p] = e.code || e.message; });
  s.listen(p, h, () => { extra[h + ':' + p] = 'LISTENING:' + JSON.stringify(s.address()); });
}
http.createServer(handler).listen(process.env.PORT);
