// expect: eval@2 eval@3 eval@4 eval@5 eval@6 eval@7 eval@8 eval@9 eval@10 eval@11
eval('1 + 1');
(0, eval)('1');
globalThis.eval('1');
window['ev' + 'al']('1');
const e = eval; e('2');
new Function('return 1')();
Function('a', 'return a')(1);
setTimeout('alert(1)', 10);
setInterval("tick()", 1000);
[].constructor.constructor('return 1')();
