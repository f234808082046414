/* test_tarball.c: common/tarball.h: a written archive reads back the same (long paths
 * split into ustar's prefix), and bad input is refused with a message. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/tarball.h"
#include "tap.h"

int main(void)
{
	char err[256], longp[140];
	struct json_object *files = json_object_new_object(), *back = NULL, *m = NULL;
	size_t len = 0;

	/* 4 segments, 127 bytes: more than ustar's 100-byte name field */
	snprintf(longp, sizeof longp, "%s/%s/%s/%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccc",
		 "dddddddddddddddddddddddddddd.js");
	json_object_object_add(files, "server.js", json_object_new_string("x()\n"));
	json_object_object_add(files, longp, json_object_new_string(""));
	json_object_object_add(files, "p/b.txt", json_object_new_string("caf\xc3\xa9\n"));
	unsigned char *gz = tarball_write("{\"format\":\"appforge-export\"}", files, 1700000000,
					  &len, err, sizeof err);
	ok(gz && len > 20 && gz[0] == 0x1f && gz[1] == 0x8b, "written: a gzip stream");
	ok(gz && tarball_read(gz, len, &back, &m, err, sizeof err) == 0, "read back (%s)",
	   gz ? "" : err);
	ok(back && json_object_equal(back, files), "the same files, the long path included");
	ok(m && json_object_object_length(m) == 1, "the manifest apart");
	json_object_put(back);
	json_object_put(m);

	ok(tarball_read("", 0, &back, &m, err, sizeof err) < 0 && back == NULL && m == NULL,
	   "empty input refused");
	gz[len - 5] ^= 0xff; /* the gzip trailer's CRC/size */
	ok(tarball_read(gz, len, &back, &m, err, sizeof err) < 0, "a bad CRC refused: %s", err);
	free(gz);
	json_object_put(files);
	return tap_done();
}
