// expect: child-process@2
const cp = require('child_process');
cp.exec('ls');
