// expect: native-addon@2 native-addon@3 native-addon@4 native-addon@5 module-loader@6 module-loader@7
require('./build/Release/addon.node');
process.dlopen(module, '/tmp/x.node');
const m = { exports: {} }; const d = process['dl' + 'open']; d(m, 'x');
require('bindings')('addon');
require.extensions['.txt'] = function () {};
require('module')._extensions['.x'] = null;
