// misc/server.js: an idle app, for checks of the limits the host applied to its cgroup.
'use strict';
require('http').createServer((req, res) => res.end('idle\n')).listen(process.env.PORT);
