// expect: eval@2 process-binding@3 eval@4 child-process@5 child-process@6 child-process@7 child-process@8 child-process@9 eval@10 child-process@12
Reflect.get(globalThis, 'ev' + 'al')('1');
const { [`bind${'ing'}`]: b } = process; b('x');
foo(eval.bind(null));
const { a: { c } } = { a: { c: 'child_process' } }; require(c);
const [, n] = ['x', 'child_process']; require(n);
require('CHILD_PROCESS'.toLowerCase());
require?.('child_process');
process?.binding?.('spawn_sync');
const vm = require(['v', 'm'].join(''));
const w = (0x5).toString(36);
require((12).toString(36) + 'hild_process'.slice(0));
