# tests/hostile/local.mk: the hostile test suite (included by tests/local.mk). Each test
# file drives real sandboxes (appforge-sandbox) running the attack apps of apps/; they
# fail, not skip, when the sandbox is not built.
TESTS += \
	tests/hostile/test_fs.py \
	tests/hostile/test_net.py \
	tests/hostile/test_proc.py \
	tests/hostile/test_priv.py \
	tests/hostile/test_resources.py \
	tests/hostile/test_stop.py \
	tests/hostile/test_many.py \
	tests/hostile/test_cli.py \
	tests/hostile/test_supervisor.py
EXTRA_DIST += \
	tests/hostile/hostile.py \
	tests/hostile/test_fs.py \
	tests/hostile/test_net.py \
	tests/hostile/test_proc.py \
	tests/hostile/test_priv.py \
	tests/hostile/test_resources.py \
	tests/hostile/test_stop.py \
	tests/hostile/test_many.py \
	tests/hostile/test_cli.py \
	tests/hostile/test_supervisor.py \
	tests/hostile/apps/bomb/attack.js \
	tests/hostile/apps/fs/attack.js \
	tests/hostile/apps/fs/server.js \
	tests/hostile/apps/misc/attack.js \
	tests/hostile/apps/misc/server.js \
	tests/hostile/apps/net/attack.js \
	tests/hostile/apps/net/server.js \
	tests/hostile/apps/priv/attack.js \
	tests/hostile/apps/priv/server.js \
	tests/hostile/apps/priv/syscalls.py \
	tests/hostile/apps/proc/attack.js \
	tests/hostile/apps/supprobe/server.js \
	tests/hostile/apps/survivor/server.js \
	tests/hostile/apps/tenant/server.js \
	tests/hostile/apps/victim/server.js \
	bench/sandbox/bench.py \
	bench/sandbox/idle/server.js \
	bench/sandbox/logflood.py \
	bench/sandbox/flood/server.js
