"""test_many.py: ten sandboxed apps at once must not see or disturb each other
(ports 29800-29849).

Each tenant (apps/tenant/server.js) keeps a secret in its /data and one in its code. The
driver asks every tenant to connect to the nine others' ports, read their code and data
by host path, signal their host pids, and to list /proc. It asserts every attempt failed,
each sees only its own few processes, each still serves its own secret afterwards, and
nothing of any of them remains after the stop.
"""
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

T = H.TAP
H.require_sandbox()
N = 10
P = H.ports(29800, 29849)
PORTS = [P() for _ in range(N)]
boxes = []
secrets = []
for i in range(N):
    d = H.tmpdir("many-%d" % i)
    code = H.copy_app("tenant", os.path.join(d, "code"))
    sec = "%s-%d" % (H.CANARY[-12:], i)
    with open(os.path.join(code, "secret.txt"), "w") as f:
        f.write(sec + "\n")
    secrets.append(sec)
    boxes.append(H.Box("hostile-many-%d" % i, None, PORTS[i], workdir=d, code_dir=code,
                       limits={"memory-mb": 96, "pids": 32}))
for i, b in enumerate(boxes):
    b.wait_started()
up = [b.wait_http("/secret", timeout=60) for b in boxes]
T.ok(all(u is not None for u in up), "all %d tenants serve at once" % N,
     "\n".join(b.describe() for b, u in zip(boxes, up) if u is None)[:3000])
T.ok(all(u and u.startswith("TENANT-%s-" % boxes[i].app_id) for i, u in enumerate(up)),
     "each tenant serves its own secret", up)
uids = [sorted(b.uids) for b in boxes]
T.ok(len({tuple(u) for u in uids}) == N, "each tenant runs as its own host uid", uids)

for i, b in enumerate(boxes):
    others = [j for j in range(N) if j != i]
    q = {"ports": [PORTS[j] for j in others],
         "paths": [os.path.join(boxes[j].code, "secret.txt") for j in others] +
                  [os.path.join(boxes[j].data, "secret.txt") for j in others] +
                  [os.path.join(boxes[j].data, "data.img") for j in others],
         "pids": sorted(p for j in others for p in boxes[j].host_pids)}
    st, body = H.http_get(b.port, "/probe?q=" + urllib.parse.quote(json.dumps(q)), timeout=60)
    if not T.ok(st == 200, "tenant %d answers the probe" % i, body):
        continue
    r = json.loads(body)
    conn = {p: v for p, v in r["connect"].items() if v == "CONNECTED"}
    T.ok(not conn, "tenant %d reaches none of the other tenants' ports" % i, conn)
    reads = {p: v for p, v in r["read"].items() if v.startswith("OK")}
    T.ok(not reads, "tenant %d reads none of the other tenants' code or data" % i, reads)
    kills = {p: v for p, v in r["kill"].items() if v != "ESRCH" and v != "EPERM"}
    T.ok(not kills and len(r["kill"]) > 0, "tenant %d cannot signal the other tenants' processes"
         % i, r["kill"])
    T.ok(1 in r["pids"] and len(r["pids"]) <= 6,
         "tenant %d sees only its own processes (%s)" % (i, r["pids"]))
    T.ok(r["own"].endswith(secrets[i]), "tenant %d still has its own data" % i)

after = [H.http_get(b.port, "/secret") for b in boxes]
T.ok(all(st == 200 and body.startswith("TENANT-%s-" % boxes[i].app_id)
         for i, (st, body) in enumerate(after)), "every tenant is undisturbed after the probes",
     after)
for i, b in enumerate(boxes):
    b.proc.send_signal(15)
for i, b in enumerate(boxes):
    ev = b.stop()
    T.ok(ev is not None and ev.get("reason") == "stopped", "tenant %d stops" % i, ev)
for i, b in enumerate(boxes):
    H.check_nothing_left(b, "tenant %d" % i)
T.exit()
