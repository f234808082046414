/* test_cpuslots.c: slots of expensive work across processes (cpuslots.h): a class
 * has exactly its limit of slots, classes do not share them, a released slot is free
 * again, and a process that dies holding a slot gives it back. */
#include "tap.h"
#include "cpuslots.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[] = "/tmp/af-cpuslots-XXXXXX";

/* In a child process: tries one slot of class c and reports 1 (got one) or 0. */
static int child_try(enum cpuslot_class c)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(cpuslots_try(c) >= 0 ? 1 : 0);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	const int limits[CPUSLOT__COUNT] = { 2, 1 };
	char err[256];
	int a, fd = mkstemp(path), p[2];
	pid_t holder;

	if (fd < 0)
		return printf("Bail out! mkstemp\n"), 1;
	close(fd);
	ok(cpuslots_try(CPUSLOT_LOGIN) == -2, "not open: nothing is limited (-2)");
	ok(cpuslots_open(path, limits, err, sizeof err) == 0, "open");
	a = cpuslots_try(CPUSLOT_LOGIN);
	ok(a >= 0, "this process takes a login slot");
	/* POSIX locks are per process: the others are seen from children. */
	ok(child_try(CPUSLOT_LOGIN) == 1, "another process takes the second login slot");
	if (pipe(p) < 0)
		return printf("Bail out! pipe\n"), 1;
	holder = fork();
	if (holder == 0) {
		char c = cpuslots_try(CPUSLOT_LOGIN) >= 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	{
		char c = 0;
		ok(read(p[0], &c, 1) == 1 && c == 'y', "a holder process takes the second slot");
	}
	ok(child_try(CPUSLOT_LOGIN) == 0, "both login slots busy: a third process gets none");
	ok(child_try(CPUSLOT_SCAN) == 1, "the scan class has its own slot");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	ok(child_try(CPUSLOT_LOGIN) == 1, "a holder killed with SIGKILL gave its slot back");
	holder = fork();
	if (holder == 0) {
		char c = cpuslots_try(CPUSLOT_LOGIN) >= 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	{
		char c = 0;
		ok(read(p[0], &c, 1) == 1 && c == 'y' && child_try(CPUSLOT_LOGIN) == 0,
		   "a new holder took that slot: none left");
	}
	cpuslots_release(a);
	ok(child_try(CPUSLOT_LOGIN) == 1, "released by this process: free for another");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	ok(cpuslots_default_limit(4) == 2 && cpuslots_default_limit(1) == 1 &&
		   cpuslots_default_limit(64) == 32,
	   "default share: half the workers, at least 1");
	unlink(path);
	return tap_done();
}
