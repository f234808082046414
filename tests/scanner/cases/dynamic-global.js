// expect: dynamic-global@3 dynamic-global@4 eval@5
const k = process.argv[2];
globalThis[k]('x');
process[k]();
const g = global; g[atob('ZXZhbA==')]('1');
process.env[k];
window[k] = 1;
