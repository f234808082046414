# priv/syscalls.py: hostile program (runs ONLY inside the sandbox, with the system's
# /usr/bin/python3). Calls the syscalls a sandbox must refuse -- namespaces, mount,
# ptrace, keyctl, bpf, perf, userfaultfd, io_uring, modules, open_by_handle_at, raw
# sockets, device nodes, privileged knobs, the cgroup v1 release_agent chain -- each in a
# forked child so one success cannot disturb the next, and prints the errno of each.
import ctypes
import errno
import json
import os
import resource
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = dict(unshare=272, mount=165, umount2=166, pivot_root=155, chroot=161, ptrace=101,
          keyctl=250, add_key=248, request_key=249, bpf=321, perf_event_open=298,
          userfaultfd=323, io_uring_setup=425, init_module=175, finit_module=313,
          delete_module=176, kexec_load=246, open_by_handle_at=304, setns=308, acct=163,
          swapon=167, settimeofday=164, sethostname=170, syslog=103, iopl=172, ioperm=173,
          process_vm_readv=310, fsopen=430, open_tree=428, setuid=105, setgid=106,
          setgroups=116, quotactl=179, pidfd_getfd=438, pidfd_open=434, vhangup=153,
          clock_settime=227, mknod=133, clone=56, clone3=435, ioprio_set=251, lookup_dcookie=212, fanotify_init=300)
C = dict(NEWNS=0x20000, NEWCGROUP=0x2000000, NEWUTS=0x4000000, NEWIPC=0x8000000,
         NEWUSER=0x10000000, NEWPID=0x20000000, NEWNET=0x40000000)


def emit(d):
    sys.stdout.write("HOSTILE-RESULT " + json.dumps(d) + "\n")
    sys.stdout.flush()


def call(name, *args):
    """Raises OSError on failure, returns the result."""
    conv = []
    for a in args:
        conv.append(ctypes.c_long(a) if isinstance(a, int) else a)
    r = libc.syscall(ctypes.c_long(NR[name]), *conv)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def in_child(fn):
    """Runs fn() in a forked child; returns 'OK', 'OK:<detail>' or the errno name."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            res = fn()
            msg = "OK" if res is None or isinstance(res, int) else "OK:" + str(res)
        except OSError as e:
            msg = errno.errorcode.get(e.errno, str(e.errno))
        except ValueError as e:
            # python's setrlimit reports EPERM this way
            msg = "EPERM" if "not allowed" in str(e) else "EXC:" + repr(e)
        except Exception as e:
            msg = "EXC:" + repr(e)
        os.write(w, msg.encode()[:2000])
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        data += b
    os.close(r)
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        return "KILLED:%d" % os.WTERMSIG(st)
    return data.decode() or "NO_RESULT"


def buf(n):
    return ctypes.create_string_buffer(n)


os.makedirs("/tmp/mnt", exist_ok=True)
tests = {}
for name, flag in C.items():
    tests["unshare_" + name] = lambda f=flag: call("unshare", f)


def clone_ns(flags, v3=False):
    """clone()/clone3() a child into new namespaces; the child exits at once."""
    if v3:
        args = struct.pack("<QQQQQQQQ", flags, 0, 0, 0, 17, 0, 0, 0)
        r = call("clone3", ctypes.c_char_p(args), len(args))
    else:
        r = call("clone", flags | 17, 0, 0, 0, 0)
    if r == 0:
        os._exit(0)
    os.waitpid(r, 0)
    return "child %d" % r


for name, flag in C.items():
    tests["clone_" + name] = lambda f=flag: clone_ns(f)
    tests["clone3_" + name] = lambda f=flag: clone_ns(f, True)
tests["unshare_NEWUSER_NEWNS"] = lambda: call("unshare", C["NEWUSER"] | C["NEWNS"])
tests["mount_tmpfs"] = lambda: call("mount", b"none", b"/tmp/mnt", b"tmpfs", 0, None)
tests["mount_bind_root"] = lambda: call("mount", b"/", b"/tmp/mnt", None, 0x1000, None)
tests["mount_proc"] = lambda: call("mount", b"proc", b"/tmp/mnt", b"proc", 0, None)
tests["mount_cgroup_v1"] = lambda: call("mount", b"cgroup", b"/tmp/mnt", b"cgroup", 0, b"memory")
tests["mount_remount_app_rw"] = lambda: call("mount", None, b"/app", None, 0x20, None)
tests["umount_app"] = lambda: call("umount2", b"/app", 2)
tests["umount_proc"] = lambda: call("umount2", b"/proc", 2)
tests["pivot_root"] = lambda: call("pivot_root", b"/tmp", b"/tmp/mnt")
tests["chroot"] = lambda: call("chroot", b"/tmp")
tests["fsopen"] = lambda: call("fsopen", b"tmpfs", 0)
tests["open_tree"] = lambda: call("open_tree", -100, b"/", 1)  # OPEN_TREE_CLONE
tests["ptrace_traceme"] = lambda: call("ptrace", 0, 0, 0, 0)
tests["ptrace_attach_init"] = lambda: call("ptrace", 16, 1, 0, 0)
tests["ptrace_seize_parent"] = lambda: call("ptrace", 0x4206, os.getppid(), 0, 0)
_lb = buf(16)
_liov = struct.pack("<QQ", ctypes.addressof(_lb), 8)
_riov = struct.pack("<QQ", 0x400000, 8)
tests["process_vm_readv_init"] = lambda: call("process_vm_readv", 1, ctypes.c_char_p(_liov), 1,
                                              ctypes.c_char_p(_riov), 1, 0)
tests["pidfd_getfd_init"] = lambda: call("pidfd_getfd", call("pidfd_open", 1, 0), 3, 0)
tests["keyctl_get_keyring"] = lambda: call("keyctl", 0, -2, 1)  # KEYCTL_GET_KEYRING_ID, process
tests["keyctl_join_session"] = lambda: call("keyctl", 1, None)
tests["add_key"] = lambda: call("add_key", b"user", b"hostile", b"x", 1, -3)
tests["request_key"] = lambda: call("request_key", b"user", b"hostile", None, 0)
bpf_attr = struct.pack("IIII", 2, 4, 4, 1) + b"\0" * 100
tests["bpf_map_create"] = lambda: call("bpf", 0, ctypes.c_char_p(bpf_attr), len(bpf_attr))
insns = struct.pack("<BBhi", 0xb7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)
ib = ctypes.create_string_buffer(insns)
lic = ctypes.create_string_buffer(b"GPL")
prog_attr = struct.pack("<IIQQ", 1, 2, ctypes.addressof(ib), ctypes.addressof(lic)) + b"\0" * 100
tests["bpf_prog_load"] = lambda: call("bpf", 5, ctypes.c_char_p(prog_attr), len(prog_attr))
perf_attr = struct.pack("<IIQQQQQ", 1, 128, 0, 0, 0, 0, (1 << 0) | (1 << 5) | (1 << 6)) + b"\0" * 80
tests["perf_event_open"] = lambda: call("perf_event_open", ctypes.c_char_p(perf_attr), 0, -1, -1, 0)
tests["userfaultfd_user"] = lambda: call("userfaultfd", 1)
tests["userfaultfd"] = lambda: call("userfaultfd", 0)
tests["io_uring_setup"] = lambda: call("io_uring_setup", 8, buf(120))
tests["init_module"] = lambda: call("init_module", None, 0, b"")
tests["finit_module"] = lambda: call("finit_module", os.open("/app/syscalls.py", os.O_RDONLY), b"", 0)
tests["delete_module"] = lambda: call("delete_module", b"hostile_none", 0)
tests["kexec_load"] = lambda: call("kexec_load", 0, 0, None, 0xDEAD0000)
handle = struct.pack("<Ii", 8, 1) + struct.pack("<II", 2, 0)
tests["open_by_handle_at"] = lambda: call("open_by_handle_at", os.open("/app", os.O_RDONLY),
                                          ctypes.c_char_p(handle), 0)
tests["setns_init_mnt"] = lambda: call("setns", os.open("/proc/1/ns/mnt", os.O_RDONLY), 0)
tests["setns_init_user"] = lambda: call("setns", os.open("/proc/1/ns/user", os.O_RDONLY), 0)
tests["acct"] = lambda: call("acct", b"/tmp/acct")
tests["swapon"] = lambda: call("swapon", b"/tmp/swap", 0)
# The current time, so that even a broken sandbox would not move the host's clock.
tests["settimeofday"] = lambda: call("settimeofday", ctypes.c_char_p(
    struct.pack("<qq", int(__import__("time").time()), 0)), None)
tests["clock_settime"] = lambda: call("clock_settime", 0, ctypes.c_char_p(
    struct.pack("<qq", int(__import__("time").time()), 0)))
tests["sethostname"] = lambda: call("sethostname", b"hostile", 7)
tests["syslog_read_all"] = lambda: call("syslog", 3, buf(4096), 4096)
tests["iopl"] = lambda: call("iopl", 3)
tests["ioperm"] = lambda: call("ioperm", 0x80, 1, 1)
tests["setuid0"] = lambda: call("setuid", 0)
tests["setgid0"] = lambda: call("setgid", 0)
tests["setgroups0"] = lambda: call("setgroups", 1, ctypes.c_char_p(struct.pack("I", 0)))
tests["quotactl"] = lambda: call("quotactl", 0x800007, b"/dev/vda", 0, None)
tests["vhangup"] = lambda: call("vhangup")
tests["fanotify_init"] = lambda: call("fanotify_init", 0, 0)
tests["mknod_block"] = lambda: os.mknod("/tmp/blk", 0o600 | 0o060000, os.makedev(254, 0))
tests["mknod_char_mem"] = lambda: os.mknod("/tmp/mem", 0o600 | 0o020000, os.makedev(1, 1))
tests["raw_socket_icmp"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1).fileno()
tests["packet_socket"] = lambda: socket.socket(17, socket.SOCK_RAW, 0x0300).fileno()
# Netlink: only NETLINK_ROUTE is allowed (os.networkInterfaces needs it), and it may not
# change anything.
tests["netlink_audit"] = lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9).fileno()
tests["netlink_sock_diag"] = lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4).fileno()
tests["netlink_kobject_uevent"] = lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                                        15).fileno()


def netlink_route_lo_down():
    """RTM_NEWLINK turning lo down: the kernel's answer, 0 or a negative errno."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    ifi = struct.pack("=BBHiII", 0, 0, 0, 1, 0, 1)   # lo (index 1), change IFF_UP to 0
    hdr = struct.pack("=IHHII", 16 + len(ifi), 16, 1 | 4, 1, 0)   # REQUEST|ACK
    s.sendto(hdr + ifi, (0, 0))
    data = s.recv(4096)
    err = struct.unpack("=i", data[16:20])[0]
    if err:
        raise OSError(-err, os.strerror(-err))
    return "lo changed"


tests["netlink_route_lo_down"] = netlink_route_lo_down


def memfd_exec(flags):
    """Copies /usr/bin/true into a memfd and executes it from there."""
    fd = os.memfd_create("x", flags)
    with open("/usr/bin/true", "rb") as f:
        os.write(fd, f.read())
    pid = os.fork()
    if pid == 0:
        try:
            os.execv("/proc/self/fd/%d" % fd, ["true"])
        except OSError as e:
            os._exit(100 + e.errno)
        os._exit(99)
    _, st = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1
    if code == 0:
        return "executed"
    if code > 100:
        raise OSError(code - 100, os.strerror(code - 100))
    raise OSError(errno.EIO, "exit %d" % code)


tests["memfd_exec"] = lambda: memfd_exec(0)
tests["memfd_exec_flag"] = lambda: memfd_exec(0x10)     # MFD_EXEC
# Scheduling: a real-time or higher-priority app could starve the host.
tests["sched_fifo"] = lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
tests["sched_rr"] = lambda: os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))
tests["nice_negative"] = lambda: os.setpriority(os.PRIO_PROCESS, 0, -5)
tests["ioprio_realtime"] = lambda: call("ioprio_set", 1, 0, (1 << 13) | 0)  # IOPRIO_CLASS_RT
tests["raise_rtprio"] = lambda: resource.setrlimit(resource.RLIMIT_RTPRIO, (50, 50))
tests["raise_nofile_hard"] = lambda: resource.setrlimit(
    resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] + 1,) * 2)
tests["raise_fsize_hard"] = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (-1, -1))


def write_file(p, data):
    fd = os.open(p, os.O_WRONLY)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)




def write_init_mem():
    """Writes (the same bytes back) into the memory of pid 1, the sandbox's init: the
    /proc/<pid>/mem way around a ptrace ban."""
    with open("/proc/1/maps") as f:
        for line in f:
            parts = line.split()
            if parts[1].startswith("rw"):
                start = int(parts[0].split("-")[0], 16)
                break
        else:
            raise OSError(errno.ENOENT, "no writable mapping")
    fd = os.open("/proc/1/mem", os.O_RDWR)
    try:
        old = os.pread(fd, 8, start)
        return os.pwrite(fd, old, start)
    finally:
        os.close(fd)


tests["write_init_mem"] = write_init_mem


def run_code(code):
    """Runs raw x86-64 machine code; returns its eax as a signed 32-bit int."""
    import mmap
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(code)
    fn = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
    r = fn() & 0xFFFFFFFF
    r = r - (1 << 32) if r & 0x80000000 else r
    if r < 0:
        raise OSError(-r, os.strerror(-r))
    return "ret %d" % r


# Other syscall ABIs, the classic way around a filter that checks only the numbers:
# x32 (nr | 0x40000000 through `syscall`) and i386 (`int 0x80`).
X32_UNSHARE_USER = bytes.fromhex("bf00000010" "b810010040" "0f05" "c3")
I386_UNSHARE_USER = bytes.fromhex("53" "bb00000010" "b836010000" "cd80" "5b" "c3")
I386_PTRACE_TRACEME = bytes.fromhex("53" "31db" "b81a000000" "cd80" "5b" "c3")
tests["x32_unshare_user"] = lambda: run_code(X32_UNSHARE_USER)
tests["i386_unshare_user"] = lambda: run_code(I386_UNSHARE_USER)
tests["i386_ptrace_traceme"] = lambda: run_code(I386_PTRACE_TRACEME)
tests["write_core_pattern"] = lambda: write_file("/proc/sys/kernel/core_pattern", b"|/tmp/x")
tests["write_drop_caches"] = lambda: write_file("/proc/sys/vm/drop_caches", b"1")
tests["write_sysrq_trigger"] = lambda: write_file("/proc/sysrq-trigger", b"h")


def release_agent_chain():
    """CVE-2022-0492: new user+mount+cgroup namespace, mount cgroup v1, write release_agent."""
    steps = []
    call("unshare", C["NEWUSER"] | C["NEWNS"] | C["NEWCGROUP"])
    steps.append("unshare")
    os.makedirs("/tmp/cgv1", exist_ok=True)
    for ctrl in (b"rdma", b"memory", b"pids", b"freezer"):
        try:
            call("mount", b"cgroup", b"/tmp/cgv1", b"cgroup", 0, ctrl)
            steps.append("mount:" + ctrl.decode())
            break
        except OSError:
            continue
    write_file("/tmp/cgv1/release_agent", b"/tmp/hostile-agent")
    return ",".join(steps + ["release_agent written"])


tests["cgroup_release_agent_chain"] = release_agent_chain


def sys_release_agents():
    done = []
    for root, dirs, files in os.walk("/sys/fs/cgroup"):
        for f in files:
            if f in ("release_agent", "notify_on_release"):
                try:
                    write_file(os.path.join(root, f), b"1" if f.startswith("notify") else b"/tmp/x")
                    done.append(os.path.join(root, f))
                except OSError:
                    pass
        if root.count("/") > 6:
            dirs[:] = []
    if done:
        return "written:" + ",".join(done)
    raise OSError(errno.EACCES, "none writable")


tests["sys_release_agent"] = sys_release_agents
tests["write_memfd_noexec"] = lambda: write_file("/proc/sys/vm/memfd_noexec", b"0")



# ioctl is filtered to what Node, libuv, glibc and Python need: the interface list of the
# host (SIOCGIFCONF on the inherited listening socket, fd 3) and the like fail.
def ioctl(fd, req, arg):
    r = libc.ioctl(ctypes.c_int(fd), ctypes.c_ulong(req), arg)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def ifconf(fd):
    """SIOCGIFCONF: the interface names the kernel lists."""
    b = buf(40 * 64)
    conf = struct.pack("<iiQ", len(b), 0, ctypes.addressof(b))
    cb = ctypes.create_string_buffer(conf)
    ioctl(fd, 0x8912, cb)
    n = struct.unpack("<i", cb.raw[:4])[0]
    return ",".join(b.raw[i:i + 16].split(b"\0")[0].decode() for i in range(0, n, 40))


def ifreq(fd, req, name=b"lo"):
    r = ctypes.create_string_buffer(name.ljust(40, b"\0"))
    ioctl(fd, req, r)
    return r.raw[16:24].hex()


def new_inet():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM).detach()


tests["ioctl_SIOCGIFCONF_listener"] = lambda: ifconf(3)
tests["ioctl_SIOCGIFCONF_new_socket"] = lambda: ifconf(new_inet())
tests["ioctl_SIOCGIFFLAGS_listener"] = lambda: ifreq(3, 0x8913)
tests["ioctl_SIOCGIFHWADDR"] = lambda: ifreq(new_inet(), 0x8927)
tests["ioctl_SIOCGIFADDR"] = lambda: ifreq(new_inet(), 0x8915)
tests["ioctl_SIOCGIFINDEX"] = lambda: ifreq(new_inet(), 0x8933)
tests["ioctl_SIOCGSTAMP"] = lambda: ioctl(3, 0x8906, buf(16))
tests["ioctl_FIOGETOWN"] = lambda: ioctl(3, 0x8903, buf(8))
tests["ioctl_high_bits_FIONBIO"] = lambda: ioctl(3, (1 << 32) | 0x5421,
                                                 ctypes.byref(ctypes.c_int(1)))
# Socket protocols: 0, TCP and UDP only.
tests["socket_mptcp"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).detach()
tests["socket_mptcp6"] = lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM, 262).detach()
tests["socket_udplite"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136).detach()
tests["socket_udplite6"] = lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, 136).detach()
tests["socket_sctp"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).detach()
tests["socket_icmp_dgram"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 1).detach()
tests["socket_udp_on_stream"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 17).detach()

# What must keep working beside them (reported apart: "ok:" results).
allowed = {}


def fionbio_fionread():
    s1, s2 = socket.socketpair()
    ioctl(s1.fileno(), 0x5421, ctypes.byref(ctypes.c_int(1)))        # FIONBIO
    s2.send(b"abc")
    n = ctypes.c_int(0)
    ioctl(s1.fileno(), 0x541B, ctypes.byref(n))                       # FIONREAD
    ioctl(s1.fileno(), 0x5451, None)                                  # FIOCLEX
    ioctl(s1.fileno(), 0x5450, None)                                  # FIONCLEX
    return "fionread %d" % n.value


allowed["fionbio_fionread_fioclex"] = fionbio_fionread
allowed["isatty_devnull"] = lambda: "isatty %s" % os.isatty(0)
allowed["socket_tcp_proto"] = lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 6).detach()
allowed["socket_udp_proto"] = lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, 17).detach()
allowed["socket_tcp_0"] = lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM, 0).detach()
for name, fn in allowed.items():
    emit({"ok:" + name: in_child(fn)})

for name, fn in tests.items():
    emit({"sys:" + name: in_child(fn)})
emit({"sys_uid": os.getuid(), "sys_gid": os.getgid()})
emit({"nonewprivs": open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0]})
emit({"sys_done": True})
