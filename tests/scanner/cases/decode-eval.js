// expect: eval@3 encoded-blob@3 eval@5 encoded-blob@5
const code = atob(input);
eval(code);
const fn = Function;
fn(Buffer.from(data, 'base64').toString())();
