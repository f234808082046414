// expect: child-process@3 child-process@4
const { Worker } = require('worker_threads');
new Worker('require("child_process").exec("id")', { eval: true });
new Worker(new URL('data:text/javascript,console.log(1)'));
new Worker('./worker.js');
