/* systemd_scope.c: asking systemd for a delegated transient scope (see systemd_scope.h).
 *
 * One StartTransientUnit call to the manager: a scope unit holding our pid, with
 * Delegate=yes (systemd then leaves the scope's cgroup, its subtree_control and
 * everything below to us) and CollectMode=inactive-or-failed (the unit goes away with
 * its last process). The scope is started by a job that runs after the call returns,
 * so we wait until the kernel shows us in it. */
#include "sandbox/systemd_scope.h"
#include "sandbox/cgroup_internal.h"
#include "common/errfmt.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define MANAGER_DEST "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define PRIVATE_SOCKET "/run/systemd/private"
#define CALL_TIMEOUT_USEC (10ull * 1000 * 1000)

int systemd_booted(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

int systemd_cgroup_delegated(const char *dir)
{
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char v[8];
		ssize_t n = getxattr(dir, names[i], v, sizeof v - 1);
		if (n > 0) {
			v[n] = 0;
			if (strcmp(v, "1") == 0)
				return 1;
		}
	}
	return 0;
}

/* The manager's private socket needs no D-Bus daemon (a minimal Debian has none) but
 * only root may use it; others go through the system bus. */
static int bus_open(sd_bus **bus)
{
	if (geteuid() == 0 && access(PRIVATE_SOCKET, F_OK) == 0) {
		sd_bus *b = NULL;
		if (sd_bus_new(&b) >= 0 &&
		    sd_bus_set_address(b, "unix:path=" PRIVATE_SOCKET) >= 0 &&
		    sd_bus_start(b) >= 0) {
			*bus = b;
			return 0;
		}
		sd_bus_unref(b);
	}
	return sd_bus_open_system(bus);
}

/* 1 once /proc/self/cgroup names unit as our cgroup's last component. */
static int in_unit(const char *unit)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	char line[4096];
	int found = 0;
	size_t ul = strlen(unit);
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "0::", 3) != 0)
			continue;
		size_t n = strlen(line);
		found = n > ul && line[n - ul - 1] == '/' && strcmp(line + n - ul, unit) == 0;
	}
	fclose(f);
	return found;
}

static int start_scope(sd_bus *bus, const char *unit, sd_bus_error *e)
{
	sd_bus_message *m = NULL, *reply = NULL;
	uint32_t pid = (uint32_t)getpid();
	int r = sd_bus_message_new_method_call(bus, &m, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE,
					       "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "Description", "s",
					  "appforge sandboxes", "Delegate", "b", 1, "CollectMode",
					  "s", "inactive-or-failed", "PIDs", "au", 1, pid);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, e, &reply);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	return r;
}

static int stop_unit(sd_bus *bus, const char *unit, sd_bus_error *e)
{
	sd_bus_message *reply = NULL;
	int r = sd_bus_call_method(bus, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, "StopUnit", e,
				   &reply, "ss", unit, "replace");
	sd_bus_message_unref(reply);
	return r;
}

int systemd_enter_delegated_scope(const char *name, char *err, size_t errlen)
{
	char unit[256];
	if ((size_t)snprintf(unit, sizeof unit, "%s.scope", name) >= sizeof unit)
		return errfmt(err, errlen, "scope name too long");
	sd_bus *bus = NULL;
	int r = bus_open(&bus);
	if (r < 0)
		return errfmt(err, errlen, "cannot reach systemd (%s nor the system bus): %s",
			      PRIVATE_SOCKET, strerror(-r));
	sd_bus_error e = SD_BUS_ERROR_NULL;
	r = start_scope(bus, unit, &e);
	for (int i = 0;
	     r < 0 && i < 100 && sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists");
	     i++) {
		/* A leftover of an earlier process of ours: stop it (which kills what it
		 * holds), and try again once it is gone. */
		if (i == 0) {
			sd_bus_error e2 = SD_BUS_ERROR_NULL;
			(void)stop_unit(bus, unit, &e2);
			sd_bus_error_free(&e2);
		}
		sd_bus_error_free(&e);
		cg_sleep_ms(50);
		r = start_scope(bus, unit, &e);
	}
	if (r < 0) {
		errfmt(err, errlen, "systemd refused the scope %s: %s", unit,
		       e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		sd_bus_unref(bus);
		return -1;
	}
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
	for (int i = 0; i < 1000; i++) {
		if (in_unit(unit))
			return 0;
		cg_sleep_ms(10);
	}
	return errfmt(err, errlen, "systemd did not move us into %s within 10 s", unit);
}
