// bench/sandbox/timed/server.js: the idle app, saying when its script began and when its
// server listened (CLOCK_MONOTONIC microseconds: process.hrtime reads the host's clock
// inside the sandbox too), so bench.py can split node's own start from the sandbox's.
'use strict';
const us = () => (process.hrtime.bigint() / 1000n).toString();
process.stdout.write('af-mark script ' + us() + '\n');
require('http').createServer((req, res) => res.end('ok\n')).listen(process.env.PORT, () => {
  process.stdout.write('af-mark listen ' + us() + '\n');
});
