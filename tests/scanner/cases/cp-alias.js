// expect: child-process@4 child-process@6 dynamic-require@7 child-process@8 child-process@9 child-process@10 child-process@11
const r = require;
const req2 = r;
req2('child_process');
let m = 'child_process';
require(m);
const o = { load: require };
o.load('child_process');
const { exec } = require('child_process');
module.require('child_process');
require.call(null, 'child_process');
exec('id');
