// expect: eval@2 eval@3 eval@4 eval@5 eval@6 eval@7 eval@8
eval.call(null, 'x');
Reflect.apply(eval, null, ['x']);
Reflect.construct(Function, ['return 1']);
Object.getPrototypeOf(async function () {}).constructor('await 1');
''.constructor.constructor('return this')();
(function () { return this; })().eval('1');
const vm = require('vm');
setTimeout(() => {}, 10);
setTimeout(function () {}, 10);
const weird = 'x'.repeat(-1) + 'y'.padStart(1e9);
