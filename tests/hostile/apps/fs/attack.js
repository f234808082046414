// fs/attack.js: hostile app (runs ONLY inside the sandbox). Tries the file system
// operations listed in the JSON spec given as argv[2] and prints what happened to each,
// so the driver can assert that every attempt outside /data and /tmp failed.
'use strict';
const fs = require('fs');
const crypto = require('crypto');

const spec = JSON.parse(process.argv[2]);
const canaries = spec.canaries || [];
const out = {};

function sha(b) { return crypto.createHash('sha256').update(b).digest('hex'); }
function attempt(key, fn) {
  try { out[key] = 'OK:' + fn(); } catch (e) { out[key] = e.code || String(e.message); }
}
function readInfo(b) {
  return sha(b) + ':' + canaries.filter((c) => b.includes(c)).length;
}

for (const [op, p, arg] of spec.ops) {
  const key = op + ':' + p;
  switch (op) {
    case 'read': attempt(key, () => readInfo(fs.readFileSync(p))); break;
    case 'list': attempt(key, () => JSON.stringify(fs.readdirSync(p).slice(0, 200))); break;
    case 'write': attempt(key, () => { fs.writeFileSync(p, 'hostile was here\n'); return 'written'; }); break;
    case 'writev': attempt(key, () => { fs.writeFileSync(p, arg); return 'written'; }); break;
    case 'append': attempt(key, () => { fs.appendFileSync(p, 'hostile\n'); return 'appended'; }); break;
    case 'openwo': attempt(key, () => { fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY)); return 'opened'; }); break;
    case 'openw': attempt(key, () => { fs.closeSync(fs.openSync(p, 'r+')); return 'opened'; }); break;
    case 'mkdir': attempt(key, () => { fs.mkdirSync(p); return 'made'; }); break;
    case 'unlink': attempt(key, () => { fs.unlinkSync(p); return 'unlinked'; }); break;
    case 'rmdir': attempt(key, () => { fs.rmdirSync(p); return 'removed'; }); break;
    case 'rename': attempt(key, () => { fs.renameSync(p, arg); return 'renamed'; }); break;
    case 'chmod': attempt(key, () => { fs.chmodSync(p, 0o4777); return 'chmodded'; }); break;
    case 'chown': attempt(key, () => { fs.chownSync(p, 0, 0); return 'chowned'; }); break;
    case 'utimes': attempt(key, () => { fs.utimesSync(p, 1, 1); return 'touched'; }); break;
    case 'symlink': attempt(key, () => { fs.symlinkSync(arg, p); return 'linked'; }); break;
    case 'link': attempt(key, () => { fs.linkSync(arg, p); return 'linked'; }); break;
    case 'readlink': attempt(key, () => fs.readlinkSync(p)); break;
    case 'realpath': attempt(key, () => fs.realpathSync(p)); break;
    case 'exists': attempt(key, () => String(fs.existsSync(p))); break;
    case 'mkfifo': attempt(key, () => { require('child_process').execFileSync('/usr/bin/mkfifo', [p], { stdio: 'pipe' }); return 'made'; }); break;
    default: out[key] = 'unknown op';
  }
}
out.whoami = { uid: process.getuid(), gid: process.getgid(), cwd: process.cwd() };
out.done = true;
process.stdout.write('HOSTILE-RESULT ' + JSON.stringify(out) + '\n');
