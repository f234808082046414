// expect: child-process@3 dynamic-require@3 dynamic-require@7 eval@9 child-process@11 eval@12 eval@13 dynamic-require@14 child-process@15
function load(m) {
  return require(m);
}
load('child_' + 'process');
load('./local');
const getReq = () => require;
const run = (code) => code;
this.constructor.constructor('return process')();
const { binding } = process;
binding('spawn_sync');
\u0065val('x');
const ev = (s) => eval(s);
const req = function () { return module.require; };
req()('child_process');
