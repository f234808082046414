// expect: parse-error@4
function ok() { return 1; }
const x = {
  a: 1,,
};
