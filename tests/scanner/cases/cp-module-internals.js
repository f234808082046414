// expect: child-process@2 child-process@3 child-process@5 child-process@6 child-process@7 child-process@8 child-process@9
module.constructor._load('child_process');
process.mainModule.require('child_process');
const { createRequire } = require('module');
createRequire(__filename)('child_process');
require('module').Module._load('child' + '_process');
require.main.require('child_process');
module.children[0].require('child_process');
require.cache[require.resolve('./x')].require('child_process');
delete require.cache[require.resolve('./x')];
