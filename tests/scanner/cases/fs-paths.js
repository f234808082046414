// expect: fs-outside-app@5 fs-outside-app@6 fs-outside-app@7 fs-outside-app@8 fs-outside-app@9 fs-outside-app@10 fs-outside-app@11
const fs = require('fs');
const path = require('path');
const { readFile } = require('fs/promises');
fs.readFileSync('/etc/passwd', 'utf8');
fs.readdirSync('/proc');
fs.writeFileSync('../../outside.txt', 'x');
readFile(path.join(__dirname, '..', '..', 'secret'));
fs.readFileSync('/etc/' + name);
fs.promises.readFile('/sys/kernel/x');
fs.copyFileSync('a.txt', '/usr/bin/x');
fs.readFileSync(path.join(__dirname, 'data.json'));
fs.writeFileSync(path.join(process.env.DATA_DIR, 'db.json'), '{}');
fs.writeFileSync('/tmp/x', '1');
fs.readFileSync('./public/index.html');
fs.readFileSync(path.join(__dirname, 'public', req.params.file));
fs.mkdirSync('/data/sub', { recursive: true });
fs.readFileSync('/dev/urandom');
