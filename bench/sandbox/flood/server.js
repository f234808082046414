// bench/sandbox/flood/server.js: an app that logs 200 MiB (80-byte lines) as fast as it
// can, one second after it starts; GET / says "done" once it has. It writes through
// process.stdout and waits for 'drain', so a descriptor left non-blocking (stdout and
// stderr sharing one pipe, as before the log had streams) does not crash it.
'use strict';
let done = false;
async function flood() {
  const line = 'x'.repeat(79) + '\n';
  const chunk = Buffer.from(line.repeat(Math.floor((1 << 20) / 80)));
  for (let sent = 0; sent < 200 * (1 << 20); sent += chunk.length) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  done = true;
}
setTimeout(flood, 1000);
require('http').createServer((req, res) => res.end(done ? 'done' : 'busy'))
  .listen(process.env.PORT);
