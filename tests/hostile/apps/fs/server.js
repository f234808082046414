// fs/server.js: placeholder entry point of the fs attack app (the attack runs via exec).
'use strict';
require('http').createServer((req, res) => res.end('fs\n')).listen(process.env.PORT);
