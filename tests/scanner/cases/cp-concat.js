// expect: child-process@2 child-process@3 child-process@5 child-process@7 child-process@8
require('child' + '_process');
require(`child_process`);
const a = 'child', b = '_process';
require(a + b);
const parts = ['chi', 'ld_', 'process'];
require(parts.join(''));
require(String.fromCharCode(99, 104, 105, 108, 100, 95, 112, 114, 111, 99, 101, 115, 115));
