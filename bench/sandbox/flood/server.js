// bench/sandbox/flood/server.js: an app that logs 200 MiB (80-byte lines) as fast as it
// can, one second after it starts; GET / says "done" once it has.
'use strict';
const fs = require('fs');
let done = false;
setTimeout(() => {
  const line = 'x'.repeat(79) + '\n';
  const chunk = Buffer.from(line.repeat((1 << 20) / 80));
  for (let sent = 0; sent < 200 * (1 << 20); sent += chunk.length) fs.writeSync(1, chunk);
  done = true;
}, 1000);
require('http').createServer((req, res) => res.end(done ? 'done' : 'busy'))
  .listen(process.env.PORT);
