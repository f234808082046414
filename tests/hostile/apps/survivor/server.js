// survivor/server.js: hostile server (runs ONLY inside the sandbox). Tries to outlive a
// stop, in the ways listed in /app/mode.json: double fork + setsid, ignoring SIGTERM,
// stopping itself, spinning. Serves the list of what it started.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const http = require('http');

const modes = JSON.parse(fs.readFileSync('/app/mode.json', 'utf8'));
const started = [];
const sh = (script, detached) => {
  const c = cp.spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: !!detached });
  c.unref();
  started.push(c.pid);
};
if (modes.includes('doublefork')) {
  sh('(setsid /usr/bin/sleep 1000 &) ; (sh -c "/usr/bin/sleep 1001 &" &)');
  sh('exec /usr/bin/setsid -f /usr/bin/sleep 1002', true);
  const c = cp.spawn('/usr/bin/sleep', ['1003'], { stdio: 'ignore', detached: true });
  c.unref();
  started.push(c.pid);
}
if (modes.includes('ignoreterm')) {
  process.on('SIGTERM', () => { /* refuse to stop */ });
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  sh('trap "" TERM INT HUP; while :; do /usr/bin/sleep 1; done', true);
}
if (modes.includes('stopself')) {
  sh('trap "" TERM; kill -STOP $$; /usr/bin/sleep 1004', true);
  sh('(trap "" TERM; kill -STOP $$) & wait', false);
}
if (modes.includes('spin')) {
  sh('trap "" TERM; while :; do :; done', true);
}
if (modes.includes('forkloop')) {
  // Keeps forking short-lived children while being killed.
  sh('trap "" TERM; while :; do /usr/bin/true & done', true);
}
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ modes, started }));
}).listen(process.env.PORT);
