module.exports = (u) => fetch(u);
