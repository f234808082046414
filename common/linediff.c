/* linediff.c: unified line diffs (see linediff.h). */
#include "common/linediff.h"
#include "common/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct line {
	const char *p;
	size_t len; /* without the '\n' */
	int nl;     /* ends with '\n' */
};

enum op_kind { OP_EQ, OP_DEL, OP_ADD };

struct op {
	enum op_kind kind;
	size_t ai, bi; /* the line of a and of b this op stands at */
};

/* Splits s into lines (a missing s has none). *out is malloc'ed; -1 on out of memory. */
static int split(const char *s, struct line **out, size_t *n)
{
	size_t cnt = 0, cap = 16;
	struct line *l;

	*out = NULL;
	*n = 0;
	if (!s || !*s)
		return 0;
	if (!(l = malloc(cap * sizeof *l)))
		return -1;
	while (*s) {
		const char *e = strchr(s, '\n');
		if (cnt == cap) {
			struct line *nl = realloc(l, (cap *= 2) * sizeof *l);
			if (!nl) {
				free(l);
				return -1;
			}
			l = nl;
		}
		l[cnt].p = s;
		l[cnt].len = e ? (size_t)(e - s) : strlen(s);
		l[cnt].nl = e != NULL;
		cnt++;
		s = e ? e + 1 : s + strlen(s);
	}
	*out = l;
	*n = cnt;
	return 0;
}

static int line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && x->nl == y->nl && memcmp(x->p, y->p, x->len) == 0;
}

static void op_push(struct op *ops, size_t *k, enum op_kind kind, size_t ai, size_t bi)
{
	ops[*k].kind = kind;
	ops[*k].ai = ai;
	ops[*k].bi = bi;
	(*k)++;
}

/* The ops of the middle a[0..n) vs b[0..m) (offsets oa, ob), by an LCS table when it
 * fits the bound, else as a whole replacement. -1 on out of memory. */
static int middle_ops(const struct line *a, size_t n, const struct line *b, size_t m, size_t oa,
		      size_t ob, struct op *ops, size_t *k)
{
	uint16_t *t;
	size_t i = 0, j = 0, w = m + 1;

	if (n == 0 || m == 0 || n * m > LINEDIFF_MAX_CELLS) {
		for (i = 0; i < n; i++)
			op_push(ops, k, OP_DEL, oa + i, ob);
		for (j = 0; j < m; j++)
			op_push(ops, k, OP_ADD, oa + n, ob + j);
		return 0;
	}
	/* n * m <= MAX_CELLS bounds min(n, m), hence every length, below 65536 */
	if (!(t = calloc((n + 1) * w, sizeof *t)))
		return -1;
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			t[i * w + j] = line_eq(&a[i], &b[j])
					       ? (uint16_t)(t[(i + 1) * w + j + 1] + 1)
					       : (t[(i + 1) * w + j] >= t[i * w + j + 1]
							  ? t[(i + 1) * w + j]
							  : t[i * w + j + 1]);
	i = j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && line_eq(&a[i], &b[j])) {
			op_push(ops, k, OP_EQ, oa + i, ob + j);
			i++, j++;
		} else if (j == m || (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) {
			op_push(ops, k, OP_DEL, oa + i, ob + j);
			i++;
		} else {
			op_push(ops, k, OP_ADD, oa + i, ob + j);
			j++;
		}
	}
	free(t);
	return 0;
}

static void emit_line(struct strbuf *o, char mark, const struct line *l)
{
	strbuf_add(o, &mark, 1);
	strbuf_add(o, l->p, l->len);
	strbuf_puts(o, l->nl ? "\n" : "\n\\ No newline at end of file\n");
}

/* One hunk: ops[from..to). */
static void emit_hunk(struct strbuf *o, const struct op *ops, size_t from, size_t to,
		      const struct line *a, const struct line *b)
{
	char head[96];
	size_t al = 0, bl = 0;

	for (size_t x = from; x < to; x++) {
		al += ops[x].kind != OP_ADD;
		bl += ops[x].kind != OP_DEL;
	}
	snprintf(head, sizeof head, "@@ -%zu,%zu +%zu,%zu @@\n",
		 al ? ops[from].ai + 1 : ops[from].ai, al, bl ? ops[from].bi + 1 : ops[from].bi,
		 bl);
	strbuf_puts(o, head);
	for (size_t x = from; x < to; x++) {
		if (ops[x].kind == OP_EQ)
			emit_line(o, ' ', &a[ops[x].ai]);
		else if (ops[x].kind == OP_DEL)
			emit_line(o, '-', &a[ops[x].ai]);
		else
			emit_line(o, '+', &b[ops[x].bi]);
	}
}

/* Groups the changes of ops into hunks with LINEDIFF_CONTEXT lines around them. */
static void emit_hunks(struct strbuf *o, const struct op *ops, size_t k, const struct line *a,
		       const struct line *b)
{
	size_t x = 0;

	while (x < k) {
		size_t first, last, from, to;
		while (x < k && ops[x].kind == OP_EQ)
			x++;
		if (x == k)
			break;
		first = last = x;
		/* extend while the next change is within 2 * context equal lines */
		for (size_t y = x + 1; y < k; y++) {
			if (ops[y].kind != OP_EQ) {
				if (y - last - 1 > 2 * LINEDIFF_CONTEXT)
					break;
				last = y;
			}
		}
		from = first > LINEDIFF_CONTEXT ? first - LINEDIFF_CONTEXT : 0;
		to = last + 1 + LINEDIFF_CONTEXT < k ? last + 1 + LINEDIFF_CONTEXT : k;
		emit_hunk(o, ops, from, to, a, b);
		x = last + 1;
	}
}

char *linediff_unified(const char *a, const char *b, const char *label_a, const char *label_b)
{
	struct line *la = NULL, *lb = NULL;
	struct op *ops = NULL;
	size_t n = 0, m = 0, pre = 0, suf = 0, k = 0;
	struct strbuf o = { 0 };

	if (split(a, &la, &n) < 0 || split(b, &lb, &m) < 0 ||
	    !(ops = malloc((n + m + 1) * sizeof *ops)))
		goto oom;
	while (pre < n && pre < m && line_eq(&la[pre], &lb[pre]))
		pre++;
	while (suf < n - pre && suf < m - pre && line_eq(&la[n - 1 - suf], &lb[m - 1 - suf]))
		suf++;
	for (size_t i = 0; i < pre; i++)
		op_push(ops, &k, OP_EQ, i, i);
	if (middle_ops(la + pre, n - pre - suf, lb + pre, m - pre - suf, pre, pre, ops, &k) < 0)
		goto oom;
	for (size_t i = 0; i < suf; i++)
		op_push(ops, &k, OP_EQ, n - suf + i, m - suf + i);
	strbuf_puts(&o, "");
	if (pre + suf < n || pre + suf < m) {
		strbuf_puts(&o, "--- ");
		strbuf_puts(&o, a ? label_a : "/dev/null");
		strbuf_puts(&o, "\n+++ ");
		strbuf_puts(&o, b ? label_b : "/dev/null");
		strbuf_puts(&o, "\n");
		emit_hunks(&o, ops, k, la, lb);
	}
	if (o.oom)
		goto oom;
	free(la);
	free(lb);
	free(ops);
	return o.p;
oom:
	free(la);
	free(lb);
	free(ops);
	free(o.p);
	return NULL;
}
