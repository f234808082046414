/* test_syncsock.c: the parent's read of the sandbox child's sync socket
 * (sandbox_read_child, sandbox_internal.h), on a SOCK_SEQPACKET pair as sandbox_start
 * makes it, with a forked child in the child's place: a message and its payload, an
 * error message, EOF, a timeout; and a child that wrote its error and exited while a
 * message of ours sat unread in its queue (its setup failed before it read 'G'), which
 * makes the kernel report ECONNRESET before the queued message: the error must still
 * be read, not reported as a setup that died without a word. */
#include "tap.h"
#include "sandbox/sandbox_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char err[512];

/* A child that sends msg (len bytes; none when len is 0) and exits; the parent first
 * writes 'G' when g is set, which the child never reads. Returns the parent's end after
 * the child has exited (its end is released). */
static int exited_child(const char *msg, size_t len, int g)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (g && write(sv[0], "G", 1) != 1)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		if (len)
			(void)!write(sv[1], msg, len);
		_exit(0);
	}
	close(sv[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return sv[0];
}

int main(void)
{
	int fd;

	err[0] = 0;
	fd = exited_child("Ebind /app: Permission denied", 29, 1);
	ok(fd >= 0 && sandbox_read_child(fd, err, sizeof err, 2000, NULL, 0) == 'E' &&
		   strcmp(err, "sandbox setup: bind /app: Permission denied") == 0,
	   "an error sent by a child that exited with our 'G' unread is read (%s)", err);
	ok(sandbox_read_child(fd, err, sizeof err, 2000, NULL, 0) == 0, "then EOF");
	close(fd);

	err[0] = 0;
	fd = exited_child("Emount /tmp: No space left on device", 36, 0);
	ok(fd >= 0 && sandbox_read_child(fd, err, sizeof err, 2000, NULL, 0) == 'E' &&
		   strstr(err, "mount /tmp") != NULL,
	   "an error sent by a child that had read everything is read");
	close(fd);

	fd = exited_child(NULL, 0, 1);
	ok(fd >= 0 && sandbox_read_child(fd, err, sizeof err, 2000, NULL, 0) == 0,
	   "a child that died without a word with our 'G' unread: EOF, not an error");
	close(fd);

	int64_t marks[3] = { 0 }, sent[3] = { 11, 22, 33 };
	char msg[1 + sizeof sent];
	msg[0] = 'U';
	memcpy(msg + 1, sent, sizeof sent);
	fd = exited_child(msg, sizeof msg, 0);
	ok(fd >= 0 && sandbox_read_child(fd, err, sizeof err, 2000, marks, sizeof marks) == 'U' &&
		   memcmp(marks, sent, sizeof sent) == 0,
	   "a message's payload of the expected size is copied");
	close(fd);

	int sv[2];
	ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0 &&
		   sandbox_read_child(sv[0], err, sizeof err, 50, NULL, 0) == -1,
	   "nothing within the timeout: -1");
	close(sv[0]);
	close(sv[1]);
	return tap_done();
}
