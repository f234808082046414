// expect: child-process@2 process-binding@3 process-binding@4 process-binding@6 child-process@7
process.binding('spawn_sync');
process.binding('fs');
process._linkedBinding('x');
const p = process;
p['bin' + 'ding']('natives');
globalThis.process.binding.call(process, 'spawn_sync');
