// bench/sandbox/idle/server.js: the smallest real app, used to measure what the sandbox
// adds to plain node (start time, memory, stop time).
'use strict';
require('http').createServer((req, res) => res.end('ok\n')).listen(process.env.PORT);
