/* doctor.h: `appforgectl doctor`: checks that this host can run appforge and prints one
 * "ok ..." or "FAIL ..." line per check (and "warn ..." for what works but is weak). */
#ifndef AF_DOCTOR_H
#define AF_DOCTOR_H

struct conf;

/* Returns 0 when every check passed, 1 when any failed. */
int doctor_run(const struct conf *c);

#endif
