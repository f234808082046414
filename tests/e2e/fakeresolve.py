"""fakeresolve.py: test doubles for the nginx-only proxy test (test_proxy.py).

- Resolver: a minimal FastCGI responder on a unix socket that answers nginx's
  auth_request for an app origin the way appforged's GET /internal/resolve does
  (200 + X-App-Upstream, 404, 503), from a table the test controls, and records the
  parameters nginx sent. It exists so that nginx's own behaviour on the apps origin
  (what reaches an app, what does not) can be checked without a sandbox.
- EchoApp: an HTTP server playing a running app: it answers with the request it got
  (as JSON), sets a cookie for the whole apps domain, serves a large body on /big,
  answers /respond?h=[[name, value], ...]&n=BYTES with exactly those response headers
  (a hostile app giving nginx orders) and a body of n bytes, and on a WebSocket upgrade
  switches protocols and echoes bytes.
Python standard library only.
"""
import json
import os
import urllib.parse
import socket
import socketserver
import struct
import threading

FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def _read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        d = sock.recv(n - len(buf))
        if not d:
            return None
        buf += d
    return buf


def _read_record(sock):
    head = _read_exact(sock, 8)
    if head is None:
        return None
    _, rtype, rid, clen, plen, _ = struct.unpack(">BBHHBB", head)
    body = _read_exact(sock, clen + plen)
    if body is None:
        return None
    return rtype, rid, body[:clen]


def _parse_params(data):
    out, i = {}, 0

    def length():
        nonlocal i
        if data[i] >> 7:
            n = struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF
            i += 4
        else:
            n = data[i]
            i += 1
        return n

    while i < len(data):
        kl = length()
        vl = length()
        out[data[i:i + kl].decode()] = data[i + kl:i + kl + vl].decode(errors="replace")
        i += kl + vl
    return out


def _record(rtype, rid, data):
    return struct.pack(">BBHHBB", 1, rtype, rid, len(data), 0, 0) + data


class Resolver:
    """answers: app id -> (status, upstream or None). Unknown ids get 404."""

    def __init__(self, path):
        self.path = path
        self.answers = {}
        self.seen = []          # the FastCGI parameters of every request
        self.lock = threading.Lock()
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        with c:
            params, rid = b"", 1
            while True:
                rec = _read_record(c)
                if rec is None:
                    return
                rtype, rid, body = rec
                if rtype == FCGI_PARAMS:
                    params += body
                elif rtype == FCGI_STDIN and not body:
                    break
            p = _parse_params(params)
            with self.lock:
                self.seen.append(p)
                status, upstream = self.answers.get(p.get("APP_ID"), (404, None))
            head = "Status: %d\r\nContent-Type: application/json\r\n" % status
            if upstream:
                head += "X-App-Upstream: %s\r\n" % upstream
            out = (head + "\r\n{}").encode()
            c.sendall(_record(FCGI_STDOUT, rid, out) + _record(FCGI_STDOUT, rid, b"") +
                      _record(FCGI_END, rid, b"\0" * 8))

    def close(self):
        self.sock.close()


class _EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        headers = []
        while True:
            h = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
            if not h:
                break
            k, _, v = h.partition(":")
            headers.append([k.strip(), v.strip()])
        lower = {k.lower(): v for k, v in headers}
        if lower.get("upgrade", "").lower() == "websocket":
            self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nX-Request-Line: " + line.encode("latin-1")
                             + b"\r\n\r\n")
            self.wfile.flush()
            while True:
                d = self.request.recv(4096)
                if not d:
                    return
                self.request.sendall(b"echo:" + d)
        target = (line.split(" ")[1:2] or [""])[0]
        if target.startswith("/respond?"):
            q = urllib.parse.parse_qs(target.split("?", 1)[1])
            extra = "".join("%s: %s\r\n" % (k, v) for k, v in json.loads(q["h"][0]))
            body = b"y" * int(q.get("n", ["2"])[0])
            self.wfile.write(("HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n"
                              % (extra, len(body))).encode("latin-1") + body)
            return
        if target == "/hang":
            # Holds the request (and nginx's connection to the app) until told to stop.
            self.server.release.wait(30)
            body = b"late"
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\n" + body)
            return
        if target == "/big":
            body = b"x" * self.server.big
        else:
            body = json.dumps({"request": line, "headers": headers}).encode()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Set-Cookie: shared=1; Domain=" + self.server.domain.encode() +
                         b"; Path=/\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                         + body)


class EchoApp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, domain, big=100000):
        super().__init__(("127.0.0.1", port), _EchoHandler)
        self.domain = domain
        self.big = big
        self.release = threading.Event()   # ends every /hang
        threading.Thread(target=self.serve_forever, daemon=True).start()
