// expect: child-process@2 child-process@3 child-process@4 child-process@5 child-process@7 child-process@9
require('ssecorp_dlihc'.split('').reverse().join(''));
require(atob('Y2hpbGRfcHJvY2Vzcw=='));
require(Buffer.from('6368696c645f70726f63657373', 'hex').toString());
require([99, 104, 105, 108, 100, 95, 112, 114, 111, 99, 101, 115, 115].map((c) => String.fromCharCode(c)).join(''));
let s = 'child';
s += '_process'; require(s);
const t = `${'child'}_${'process'}`;
require(t);
