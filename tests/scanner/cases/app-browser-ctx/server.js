const target = process.env.TARGET;
fetch(target).then(() => {});
require('./public/shared.js');
