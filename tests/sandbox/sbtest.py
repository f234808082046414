"""sbtest.py: shared helpers for the sandbox tests (TAP output, running the CLI)."""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

BUILD = os.environ.get('AF_BUILDDIR') or os.getcwd()
CLI = os.path.join(BUILD, 'sandbox', 'appforge-sandbox')
NODE = os.environ.get('AF_NODE') or '/usr/bin/node'

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap, scaled  # noqa: E402,F401  (tests/tap.py)

_T = Tap()
ok = _T.ok


def skip_all(reason):
    print('1..0 # SKIP ' + reason)
    sys.exit(0)


def done():
    sys.exit(_T.done())


def require_host():
    if os.geteuid() != 0:
        skip_all('sandbox tests need root')
    r = subprocess.run([CLI, 'doctor'], capture_output=True, text=True)
    if r.returncode != 0:
        skip_all('host lacks sandbox features: ' + r.stdout.replace('\n', '; '))


def _read_line_unbuffered(fd):
    """One line from fd, read a byte at a time. Popen.communicate() reads the pipe's fd
    directly: whatever a buffered readline() had read past the first line (the exited
    event, when a short exec ends before we read) would be lost to it."""
    buf = b''
    while not buf.endswith(b'\n'):
        c = os.read(fd, 1)
        if not c:
            break
        buf += c
    return buf.decode()


class Run:
    """One appforge-sandbox run/exec in the background."""

    def __init__(self, tmp, app_id, port, code, mode='run', cmd=None, extra=(), data=None):
        self.tmp = tmp
        self.port = port
        self.data = data or os.path.join(tmp, 'data-' + app_id)
        os.makedirs(self.data, exist_ok=True)
        self.log = os.path.join(tmp, 'log-' + app_id)
        args = [CLI, mode, '--app-id', app_id, '--code', code, '--data', self.data,
                '--port', str(port), '--log', self.log, '--node', NODE] + list(extra)
        if cmd:
            args += ['--'] + list(cmd)
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        self.started = None
        line = _read_line_unbuffered(self.p.stdout.fileno())
        if line:
            self.started = json.loads(line)

    def finish(self, timeout=30):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # still running past its time (e.g. a start that was to fail did not): killed,
            # so that no sandbox outlives the test and holds its port
            self.p.kill()
            out, err = self.p.communicate()
            err += '\n(killed: still running after %ss)' % timeout
        self.stderr = err
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        self.exited = lines[-1] if lines else None
        return self.exited

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.p.send_signal(sig)
        return self.finish(timeout)

    def logtext(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ''


def http_get(port, path='/', timeout=15.0, wait=30.0):
    """GET with retries until the app answers (or wait runs out)."""
    end = time.time() + wait
    last = None
    while time.time() < end:
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d%s' % (port, path),
                                        timeout=timeout) as r:
                return r.status, r.read().decode()
        except Exception as e:  # not up yet
            last = e
            time.sleep(0.05)
    return None, str(last)


def port_open(port):
    s = socket.socket()
    try:
        s.settimeout(1)
        return s.connect_ex(('127.0.0.1', port)) == 0
    finally:
        s.close()


def app_dir(tmp, name, server_js, extra_files=None):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'server.js'), 'w') as f:
        f.write(server_js)
    for k, v in (extra_files or {}).items():
        with open(os.path.join(d, k), 'w') as f:
            f.write(v)
    os.chmod(d, 0o755)
    return d


def tempdir():
    t = tempfile.mkdtemp(prefix='af-sbtest-')
    os.chmod(t, 0o755)
    return t


def cleanup(t):
    shutil.rmtree(t, ignore_errors=True)


def cgroup_exists(path):
    return path is not None and os.path.isdir(path)


def procs_of_uids(lo, hi):
    """How many host processes run with a real uid in lo..hi."""
    n = 0
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/status' % pid) as f:
                for line in f:
                    if line.startswith('Uid:') and lo <= int(line.split()[1]) <= hi:
                        n += 1
        except OSError:
            pass
    return n


def uid_procs(started_pid):
    """Processes still alive among those of the sandbox's init pid."""
    return os.path.exists('/proc/%d' % started_pid)
