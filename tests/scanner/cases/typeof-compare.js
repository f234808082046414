// expect: none
if (typeof require === 'function' && require.main === module) console.log('main');
const isFn = (x) => x instanceof Function || typeof x === 'function';
if (global.process && process.env.NODE_ENV === 'production') console.log(1);
const port = process.env.PORT || 3000;
require.resolve('./x');
delete require.cache[require.resolve('./x')];
