// expect: child-process@2 child-process@3
const { spawn } = require('node:child_process');
import('child_process').then((m) => m.exec('id'));
spawn('ls');
