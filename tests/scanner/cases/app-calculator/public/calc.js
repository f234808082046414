function compute(expr) {
  return eval(expr);
}
const f = new Function('a', 'b', 'return a + b');
document.querySelector('#d').addEventListener('change', (e) => { e.target.value = compute(e.target.value); });
