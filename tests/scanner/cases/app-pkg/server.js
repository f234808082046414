const run = require('#cp');
const lib = require('#lib');
run.exec('id');
