const name = process.env.MODULE;
require('./public/' + name);
