// expect: none
// we do not use child_process, eval, process.binding or new Function here
/* require('child_process') in a comment */
const html = '<p>eval is evil; never call child_process or process.binding</p>';
console.log('eval is evil', "require('child_process')", `new Function`);
const obj = { exec: (q) => q, eval: (x) => x, binding: 1, spawn: 2 };
obj.eval('2 + 2');
obj.exec('select 1');
const db = { exec() {} };
db.exec('create table t (x)');
function run(cmd) { return cmd; }
run('child_process');
const math = { evaluate: (s) => s };
math.evaluate('1+1');
if (typeof eval === 'function') console.log(html);
if (x instanceof Function) console.log(x);
const t = { eval: 1 }.eval;
class Q { eval() { return 1; } exec() {} }
new Q().eval();
function local(eval2) { return eval2; }
