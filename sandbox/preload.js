// preload.js: loaded with `node --require /sandbox/preload.js` inside every sandbox.
//
// The sandbox has no network of its own: the platform binds 127.0.0.1:<port> on the
// host and passes the listening socket in as fd 3 (LISTEN_FDS=1, the systemd
// convention). This makes any server.listen(...) -- a port, 0, an options object, with
// or without a host, http, https, express-style or a WebSocket server built on them --
// serve that socket instead. Only one server can own it: a second listen() fails with a
// clear EADDRINUSE error emitted the way Node reports a busy port.
//
// Fd 4 (APPFORGE_READY_FD=4) is a pipe to the platform: once the owning server listens,
// one "L" goes there and the fd is closed, so the start is reported as soon as requests
// can queue (the platform's own first request still has to be answered in time, or the
// app is stopped). The variable is taken out of process.env: children do not inherit it.
'use strict';
(function () {
  const net = require('net');
  if (process.env.LISTEN_FDS !== '1') return;
  const readyFd = /^[0-9]+$/.test(process.env.APPFORGE_READY_FD || '')
    ? Number(process.env.APPFORGE_READY_FD) : -1;
  delete process.env.APPFORGE_READY_FD;
  const originalListen = net.Server.prototype.listen;
  let owner = null;

  function tellListening() {
    if (readyFd < 0) return;
    const fs = require('fs');
    try {
      fs.writeSync(readyFd, 'L');
    } catch (e) { /* the platform stopped reading: its probe decides */ }
    try {
      fs.closeSync(readyFd);
    } catch (e) { /* closed already */ }
  }

  net.Server.prototype.listen = function appforgeListen(...args) {
    let callback = null;
    if (args.length && typeof args[args.length - 1] === 'function') callback = args.pop();
    if (owner !== null && owner !== this) {
      const err = new Error('listen EADDRINUSE: this app already serves its only port ' +
        '(process.env.PORT); a sandboxed app can listen once');
      err.code = 'EADDRINUSE';
      err.errno = -98;
      err.syscall = 'listen';
      process.nextTick(() => this.emit('error', err));
      return this;
    }
    owner = this;
    this.once('listening', tellListening);
    // The options form keeps backlog and the like out of the way of the inherited fd.
    return callback ? originalListen.call(this, { fd: 3 }, callback)
      : originalListen.call(this, { fd: 3 });
  };
})();
