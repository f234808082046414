/* tarball.c: an app as a .tar.gz, written and read strictly (see tarball.h). */
#include "common/tarball.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/appfiles.h"
#include "common/json.h"

#define BLOCK 512

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 16384;
	while (cap < b->len + n)
		cap *= 2;
	unsigned char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* ---- writing ---- */

/* width-1 octal digits and a NUL (v fits: sizes and times are bounded by the caller). */
static void octal(unsigned char *field, size_t width, unsigned long long v)
{
	field[width - 1] = 0;
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (unsigned char)('0' + (v & 7));
}

/* Splits path into the header's prefix and name fields. 0, or -1 when it cannot. */
static int put_name(unsigned char *h, const char *path)
{
	size_t n = strlen(path);
	const char *slash;

	if (n <= 100) {
		memcpy(h, path, n);
		return 0;
	}
	for (slash = path + n - 1; slash > path; slash--)
		if (*slash == '/' && (size_t)(slash - path) <= 155 &&
		    n - (size_t)(slash - path) - 1 <= 100)
			break;
	if (slash == path)
		return -1;
	memcpy(h + 345, path, (size_t)(slash - path));
	memcpy(h, slash + 1, n - (size_t)(slash - path) - 1);
	return 0;
}

static int put_entry(struct buf *b, const char *path, const char *data, size_t len, long long mtime)
{
	unsigned char *h;
	unsigned sum = 0;
	size_t pad = (BLOCK - len % BLOCK) % BLOCK;

	if (buf_reserve(b, BLOCK + len + pad) < 0)
		return -1;
	h = b->p + b->len;
	memset(h, 0, BLOCK);
	if (put_name(h, path) < 0)
		return -2;
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, len);
	octal(h + 136, 12, (unsigned long long)(mtime > 0 ? mtime : 0));
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "appforge", 8);
	memcpy(h + 297, "appforge", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	octal(h + 148, 7, sum); /* six digits, NUL, then the space left there */
	b->len += BLOCK;
	memcpy(b->p + b->len, data, len);
	memset(b->p + b->len + len, 0, pad);
	b->len += len + pad;
	return 0;
}

static unsigned char *gzip(const struct buf *tar, size_t *len)
{
	z_stream z;
	unsigned char *out;
	uLong bound;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	bound = deflateBound(&z, (uLong)tar->len) + 64;
	if (!(out = malloc(bound))) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = tar->p;
	z.avail_in = (uInt)tar->len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

unsigned char *tarball_write(const char *manifest, struct json_object *files, long long mtime,
			     size_t *len, char *err, size_t errlen)
{
	struct buf b = { 0 };
	unsigned char *out = NULL;
	int rc = put_entry(&b, TARBALL_MANIFEST, manifest, strlen(manifest), mtime);

	json_object_object_foreach (files, path, v) {
		if (rc < 0)
			break;
		rc = put_entry(&b, path, json_object_get_string(v),
			       (size_t)json_object_get_string_len(v), mtime);
		if (rc == -2)
			snprintf(err, errlen, "file '%.128s' does not fit a tar header", path);
	}
	if (rc == 0 && buf_reserve(&b, 2 * BLOCK) == 0) {
		memset(b.p + b.len, 0, 2 * BLOCK);
		b.len += 2 * BLOCK;
		out = gzip(&b, len);
	}
	if (!out && rc != -2)
		snprintf(err, errlen, "out of memory");
	free(b.p);
	return out;
}

/* ---- reading ---- */

/* Inflates one gzip member into *raw (at most TARBALL_MAX_RAW bytes). 0 or -1. */
static int gunzip(const void *data, size_t len, struct buf *raw, char *err, size_t errlen)
{
	z_stream z;
	int zr = Z_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	while (zr == Z_OK) {
		if (raw->len >= TARBALL_MAX_RAW || buf_reserve(raw, 65536) < 0)
			break;
		z.next_out = raw->p + raw->len;
		z.avail_out = (uInt)(raw->cap - raw->len < TARBALL_MAX_RAW + 1 - raw->len
					     ? raw->cap - raw->len
					     : TARBALL_MAX_RAW + 1 - raw->len);
		zr = inflate(&z, Z_NO_FLUSH);
		raw->len = z.total_out;
	}
	inflateEnd(&z);
	if (zr == Z_STREAM_END && z.avail_in == 0 && raw->len <= TARBALL_MAX_RAW)
		return 0;
	if (raw->len > TARBALL_MAX_RAW || (zr == Z_OK && raw->len >= TARBALL_MAX_RAW))
		snprintf(err, errlen, "archive larger than %d bytes once decompressed",
			 TARBALL_MAX_RAW);
	else if (zr == Z_STREAM_END)
		snprintf(err, errlen, "bytes after the end of the gzip stream");
	else
		snprintf(err, errlen, "not a valid gzip stream");
	return -1;
}

/* A NUL-terminated octal field (digits, then spaces or NULs). -1 when malformed. */
static long long parse_octal(const unsigned char *f, size_t width)
{
	long long v = 0;
	size_t i = 0;

	while (i < width && f[i] == ' ')
		i++;
	if (i == width || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (LLONG_MAX >> 3))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != 0)
			return -1;
	return v;
}

static int header_ok(const unsigned char *h)
{
	long long want = parse_octal(h + 148, 8);
	unsigned long sum = 0;

	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return want >= 0 && (unsigned long)want == sum &&
	       (memcmp(h + 257, "ustar\0", 6) == 0 || memcmp(h + 257, "ustar ", 6) == 0);
}

/* The entry's path (prefix/name, "./" dropped) into out. 0, or -1 when too long. */
static int entry_name(const unsigned char *h, char *out, size_t size)
{
	char name[101], prefix[156];
	const char *p;

	memcpy(name, h, 100);
	name[100] = 0;
	memcpy(prefix, h + 345, 155);
	prefix[155] = 0;
	if (memcmp(h + 257, "ustar\0", 6) != 0) /* GNU: no prefix field */
		prefix[0] = 0;
	if ((size_t)snprintf(out, size, "%s%s%s", prefix, *prefix ? "/" : "", name) >= size)
		return -1;
	p = out;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	memmove(out, p, strlen(p) + 1);
	return 0;
}

static int is_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Takes one regular file's data into files (or the manifest). 0 or -1. */
static int take_file(const char *path, const unsigned char *data, long long size,
		     struct json_object *files, struct json_object **manifest, char *err,
		     size_t errlen)
{
	char perr[256];

	if (strcmp(path, TARBALL_MANIFEST) == 0) {
		if (*manifest || size > TARBALL_MANIFEST_MAX ||
		    !(*manifest = json_parse_object((const char *)data, (size_t)size,
						    TARBALL_MANIFEST_MAX, 8, perr, sizeof perr))) {
			snprintf(err, errlen, "%s is not one JSON object of at most %d bytes",
				 TARBALL_MANIFEST, TARBALL_MANIFEST_MAX);
			return -1;
		}
		return 0;
	}
	if (appfiles_path_valid(path, perr, sizeof perr) < 0) {
		snprintf(err, errlen, "%s", perr);
		return -1;
	}
	if (json_object_object_get_ex(files, path, NULL)) {
		snprintf(err, errlen, "file '%s' appears twice", path);
		return -1;
	}
	if (size > APPFILES_MAX_FILE || json_object_object_length(files) >= APPFILES_MAX_COUNT) {
		snprintf(err, errlen, "file '%s': too large, or too many files", path);
		return -1;
	}
	json_object_object_add(files, path,
			       json_object_new_string_len((const char *)data, (int)size));
	return 0;
}

/* Walks the tar entries of raw into files. 0 or -1. */
static int untar(const struct buf *raw, struct json_object *files, struct json_object **manifest,
		 char *err, size_t errlen)
{
	size_t off = 0;
	char path[300];

	while (off + BLOCK <= raw->len) {
		const unsigned char *h = raw->p + off;
		long long size;
		if (is_zero(h, BLOCK))
			return is_zero(raw->p + off, raw->len - off)
				       ? 0
				       : (snprintf(err, errlen,
						   "data after the end of the archive"),
					  -1);
		if (!header_ok(h) || (size = parse_octal(h + 124, 12)) < 0 ||
		    entry_name(h, path, sizeof path) < 0) {
			snprintf(err, errlen, "malformed tar header at byte %zu", off);
			return -1;
		}
		off += BLOCK;
		if ((unsigned long long)size > raw->len - off) {
			snprintf(err, errlen, "entry '%.128s' runs past the end of the archive",
				 path);
			return -1;
		}
		if (h[156] == '5' && size == 0) {
			/* a directory: its files carry their own paths */
		} else if (h[156] != '0' && h[156] != 0) {
			snprintf(err, errlen,
				 "entry '%.128s' is not a regular file (only regular "
				 "files and directories are accepted)",
				 path);
			return -1;
		} else if (take_file(path, raw->p + off, size, files, manifest, err, errlen) < 0) {
			return -1;
		}
		off += ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
	}
	snprintf(err, errlen, "the archive ends without its end-of-archive blocks");
	return -1;
}

int tarball_read(const void *data, size_t len, struct json_object **files,
		 struct json_object **manifest, char *err, size_t errlen)
{
	struct buf raw = { 0 };
	int rc;

	*files = NULL;
	*manifest = NULL;
	if (gunzip(data, len, &raw, err, errlen) < 0) {
		free(raw.p);
		return -1;
	}
	if (!(*files = json_object_new_object())) {
		free(raw.p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = untar(&raw, *files, manifest, err, errlen);
	free(raw.p);
	if (rc < 0) {
		json_object_put(*files);
		json_object_put(*manifest);
		*files = NULL;
		*manifest = NULL;
	}
	return rc;
}
