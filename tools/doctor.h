/* doctor.h: `appforgectl doctor`: checks that this host can run appforge and prints one
 * "ok ..." or "FAIL ..." line per check (and "warn ..." for what works but is weak). */
#ifndef AF_DOCTOR_H
#define AF_DOCTOR_H

struct conf;

/* Also reports the uid of every running process of the instance (appforged's master
 * and workers from its pid file, the supervisor through its socket, nginx's master and
 * workers from nginx_pidfile, NULL: <state_dir>/nginx/nginx.pid), "warn" for root or
 * capabilities where they are not needed. Returns 0 when every check passed, 1 when
 * any failed. */
int doctor_run(const struct conf *c, const char *nginx_pidfile);

#endif
