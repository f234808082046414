module.exports = (x) => eval(x);
