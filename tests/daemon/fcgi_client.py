"""fcgi_client.py: a small FastCGI client (the responder role) for the daemon tests.

It speaks the wire protocol directly over the daemon's unix socket, the way nginx
does: BEGIN_REQUEST, PARAMS (name-value pairs, then an empty record), STDIN (the body,
then an empty record); then it reads STDOUT records until END_REQUEST and parses the
CGI-style response ("Status: 200 OK", headers, blank line, body). Stdlib only.
"""
import json
import socket
import struct

VERSION = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
RESPONDER = 1
MAX_CONTENT = 65535


def record(rtype, content=b"", request_id=1):
    """One FastCGI record, padded to a multiple of 8 bytes."""
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", VERSION, rtype, request_id, len(content), pad, 0) + content + b"\0" * pad


def records(rtype, data, request_id=1):
    """data split into records, then the empty record that ends the stream."""
    out = b""
    for i in range(0, len(data), MAX_CONTENT):
        out += record(rtype, data[i:i + MAX_CONTENT], request_id)
    return out + record(rtype, b"", request_id)


def _length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    out = b""
    for k, v in params.items():
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out += _length(len(k)) + _length(len(v)) + k + v
    return out


class Response:
    def __init__(self, status, headers, body, stderr=b"", app_status=0):
        self.status = status
        self.headers = headers          # lower-case name -> value (last wins)
        self.body = body
        self.stderr = stderr
        self.app_status = app_status

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:200])


def build_params(method, uri, body=b"", headers=None, extra=None):
    path, _, query = uri.partition("?")
    p = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "fcgi_client.py",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "8443",
        "SERVER_NAME": "localhost",
        "REQUEST_METHOD": method,
        "REQUEST_URI": uri,
        "DOCUMENT_URI": path,
        "SCRIPT_NAME": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "",
        "HTTP_HOST": "localhost:8443",
    }
    for k, v in (headers or {}).items():
        if k.lower() == "content-type":
            p["CONTENT_TYPE"] = v
        else:
            p["HTTP_" + k.upper().replace("-", "_")] = v
    p.update(extra or {})
    return {k: v for k, v in p.items() if v is not None}


def parse_response(stdout):
    head, sep, body = stdout.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no header/body separator in %r" % stdout[:200])
    status, headers = 200, {}
    for line in head.split(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "status":
            status = int(value.split()[0])
        headers[name] = value
    return status, headers, body


def read_response(sock):
    """Reads records until END_REQUEST; returns a Response."""
    buf, out, err = b"", b"", b""
    while True:
        while len(buf) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before END_REQUEST")
            buf += chunk
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
        while len(buf) < 8 + clen + plen:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a record")
            buf += chunk
        content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
        if rtype == STDOUT:
            out += content
        elif rtype == STDERR:
            err += content
        elif rtype == END_REQUEST:
            app_status = struct.unpack(">I", content[:4])[0]
            status, headers, body = parse_response(out)
            return Response(status, headers, body, err, app_status)


def connect(sock_path, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    return s


def request(sock_path, method, uri, body=b"", headers=None, extra=None, timeout=30):
    """One complete request; body is bytes (or a str, or a dict/list sent as JSON)."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    params = build_params(method, uri, body, headers, extra)
    s = connect(sock_path, timeout)
    try:
        s.sendall(record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))
                  + records(PARAMS, encode_params(params))
                  + records(STDIN, body))
        return read_response(s)
    finally:
        s.close()


KEEP_CONN = 1


def encode_request(method, uri, body=b"", headers=None, extra=None, keep=True):
    """The bytes of one whole request (BEGIN_REQUEST with FCGI_KEEP_CONN when keep)."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    params = build_params(method, uri, body, headers, extra)
    return (record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, KEEP_CONN if keep else 0))
            + records(PARAMS, encode_params(params)) + records(STDIN, body))


class KeptConnection:
    """One connection that carries many requests, one after the other, as nginx's
    fastcgi_keep_conn does. send() may split a request into pieces with pauses (partial
    writes); read() may take the answer a few bytes at a time (partial reads)."""

    def __init__(self, sock_path, timeout=30):
        self.sock = connect(sock_path, timeout)

    def send(self, data, pieces=1, pause=0.0):
        import time
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            self.sock.sendall(data[i:i + step])
            if pause and i + step < len(data):
                time.sleep(pause)

    def read(self, chunk=None):
        if chunk is None:
            return read_response(self.sock)
        return read_response(_SlowReader(self.sock, chunk))

    def request(self, method, uri, body=b"", headers=None, extra=None):
        self.send(encode_request(method, uri, body, headers, extra))
        return self.read()

    def closed_by_peer(self, timeout=5):
        """True when the server closes the connection (EOF) within timeout seconds."""
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return False
        finally:
            self.sock.settimeout(old)

    def close(self):
        self.sock.close()


class _SlowReader:
    """A socket whose recv() returns at most `chunk` bytes: the reader's side of a
    partial read."""

    def __init__(self, sock, chunk):
        self.s, self.chunk = sock, chunk

    def recv(self, n):
        return self.s.recv(min(n, self.chunk))
