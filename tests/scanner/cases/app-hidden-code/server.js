const util = require('./lib/util.txt');
const helper = require('./lib/helper');
require('./notes');
