// expect: none
function f(process) { return process.binding('x'); }
function g(Function) { return new Function('x'); }
{
  const setTimeout = (s) => s;
  setTimeout('not code');
}
const fetch = () => null;
fetch(someUrl);
function h(globalThis) { return globalThis.eval('x'); }
