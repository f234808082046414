// expect: dynamic-require@4 dynamic-require@5 dynamic-require@6 dynamic-require@7
const path = require('path');
const name = process.argv[2];
require(name);
require('./routes/' + name);
import(name);
call(require);
require(path.join(__dirname, 'lib', 'x.js'));
