/*
 * The meta pages of data.mdb and, for a file that ends early, its free
 * list: see tables/mdbfile.h for the layout.
 */
#include "tables/mdbfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"

_Static_assert(sizeof(size_t) == 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "data.mdb is read as a 64-bit little-endian host writes it");

#define MDB_MAGIC 0xBEEFC0DEu
#define MDB_DATA_VERSION 1
#define PAGEHDRSZ 16
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define P_META 0x08
#define F_BIGDATA 0x01
#define NODESIZE 8
#define PSIZE_MIN 256
#define PSIZE_MAX 65536
#define DEPTH_MAX 32 /* far above what 2^64 pages need */
#define P_INVALID UINT64_MAX

/* offsets in a meta page */
#define OFF_FLAGS 10
#define OFF_MAGIC 16
#define OFF_VERSION 20
#define OFF_MAPSIZE 32
#define OFF_FREE_DB 40
#define OFF_LAST_PG 136
#define OFF_TXNID 144
/* offsets in an MDB_db */
#define DB_PAD 0
#define DB_DEPTH 6
#define DB_ROOT 40

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i]) {
			return false;
		}
	}
	return true;
}

static enum tables_mdb_verdict meta_bad(char *why, size_t why_len,
					const char *what)
{
	if (why && why_len) {
		snprintf(why, why_len, "%s", what);
	}
	return TABLES_MDB_CORRUPT;
}

enum tables_mdb_verdict tables_mdb_meta_parse(const uint8_t *b, size_t len,
					      struct tables_mdb_meta *out,
					      char *why, size_t why_len)
{
	const uint8_t *db = b + OFF_FREE_DB;
	uint32_t psize;

	memset(out, 0, sizeof(*out));
	if (len < TABLES_MDB_META_BYTES) {
		return all_zero(b, len) ? TABLES_MDB_ZEROED
					: TABLES_MDB_FOREIGN;
	}
	if (all_zero(b, TABLES_MDB_META_BYTES)) {
		return TABLES_MDB_ZEROED;
	}
	if (vrd_get_le32(b + OFF_MAGIC) != MDB_MAGIC) {
		return TABLES_MDB_FOREIGN;
	}
	if (vrd_get_le32(b + OFF_VERSION) != MDB_DATA_VERSION) {
		return TABLES_MDB_VERSION;
	}
	if (!(vrd_get_le16(b + OFF_FLAGS) & P_META)) {
		return meta_bad(why, why_len, "a meta page without P_META");
	}
	psize = vrd_get_le32(db + DB_PAD);
	if (psize < PSIZE_MIN || psize > PSIZE_MAX || (psize & (psize - 1))) {
		return meta_bad(why, why_len, "an impossible page size");
	}
	out->psize = psize;
	out->mapsize = vrd_get_le64(b + OFF_MAPSIZE);
	out->free_depth = vrd_get_le16(db + DB_DEPTH);
	out->free_root = vrd_get_le64(db + DB_ROOT);
	out->last_pg = vrd_get_le64(b + OFF_LAST_PG);
	out->txnid = vrd_get_le64(b + OFF_TXNID);
	if (out->last_pg < 1 || out->last_pg >= UINT64_MAX / psize) {
		return meta_bad(why, why_len, "an impossible last page");
	}
	return TABLES_MDB_SOUND;
}

/* ---- the free list -------------------------------------------------- */

/* Pages from first to the meta's last page are past the file's end; each
 * must be on the free list. */
struct walk {
	tables_mdb_read_fn read;
	void *ctx;
	uint64_t size;
	const struct tables_mdb_meta *m;
	uint64_t first;
	uint8_t *freed; /* one bit per page from first */
	uint64_t budget; /* pages left to read: each at most once if sound */
	struct tables_mdb_report *out;
};

static int walk_corrupt(struct walk *w, const char *what, uint64_t pgno)
{
	w->out->verdict = TABLES_MDB_CORRUPT;
	snprintf(w->out->why, sizeof(w->out->why), "free list page %llu: %s",
		 (unsigned long long)pgno, what);
	return 1;
}

/* 0 if bytes [off, off + len) of page pgno's span are in the file. */
static int walk_reach(struct walk *w, uint64_t pgno, uint64_t off, uint64_t len)
{
	if (off > w->size || len > w->size - off) {
		w->out->verdict = TABLES_MDB_TRUNCATED;
		w->out->missing = pgno;
		return 1;
	}
	return 0;
}

static int walk_mark(struct walk *w, uint64_t leaf, uint64_t pgno)
{
	uint64_t i;

	if (pgno < 2 || pgno > w->m->last_pg) {
		return walk_corrupt(w, "lists a page out of range", leaf);
	}
	if (pgno >= w->first) {
		i = pgno - w->first;
		w->freed[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

/* An IDL: a count, then that many page numbers; u64 each. */
static int walk_idl(struct walk *w, uint64_t leaf, const uint8_t *b,
		    uint64_t len)
{
	uint64_t n, i;
	int rc;

	if (len < 8 || len % 8) {
		return walk_corrupt(w, "a record that is not a page list",
				    leaf);
	}
	n = vrd_get_le64(b);
	if (n > len / 8 - 1) {
		return walk_corrupt(w, "a page list longer than its record",
				    leaf);
	}
	for (i = 0; i < n; i++) {
		rc = walk_mark(w, leaf, vrd_get_le64(b + 8 + 8 * i));
		if (rc) {
			return rc;
		}
	}
	return 0;
}

/* A record too big for its leaf, on overflow pages from pgno. */
static int walk_overflow(struct walk *w, uint64_t leaf, uint64_t pgno,
			 uint64_t len)
{
	uint64_t psize = w->m->psize, pages = (PAGEHDRSZ - 1 + len) / psize + 1;
	uint8_t *b;
	int rc;

	if (pgno < 2 || pgno > w->m->last_pg ||
	    pages > w->m->last_pg - pgno + 1) {
		return walk_corrupt(w, "an overflow record out of range", leaf);
	}
	if (walk_reach(w, pgno, pgno * psize, PAGEHDRSZ + len)) {
		return 1;
	}
	if (pages > w->budget) {
		return walk_corrupt(w, "more pages than the file", leaf);
	}
	w->budget -= pages;
	b = malloc(PAGEHDRSZ + len);
	if (!b) {
		return -ENOMEM;
	}
	rc = w->read(w->ctx, pgno * psize, b, PAGEHDRSZ + len);
	if (rc == 0 && (vrd_get_le64(b) != pgno ||
			!(vrd_get_le16(b + OFF_FLAGS) & P_OVERFLOW))) {
		rc = walk_corrupt(w, "not an overflow page", pgno);
	}
	if (rc == 0) {
		rc = walk_idl(w, leaf, b + PAGEHDRSZ, len);
	}
	free(b);
	return rc;
}

static int walk_leaf_node(struct walk *w, uint64_t pgno, const uint8_t *p,
			  unsigned off)
{
	uint64_t psize = w->m->psize, dsize;
	unsigned ksize, flags;
	const uint8_t *n = p + off;

	dsize = vrd_get_le16(n) | (uint64_t)vrd_get_le16(n + 2) << 16;
	flags = vrd_get_le16(n + 4);
	ksize = vrd_get_le16(n + 6);
	if (off + NODESIZE + ksize + (flags & F_BIGDATA ? 8 : dsize) > psize) {
		return walk_corrupt(w, "a record past the page", pgno);
	}
	if (flags & F_BIGDATA) {
		return walk_overflow(w, pgno,
				     vrd_get_le64(n + NODESIZE + ksize), dsize);
	}
	return walk_idl(w, pgno, n + NODESIZE + ksize, dsize);
}

static int walk_page(struct walk *w, uint64_t pgno, unsigned depth)
{
	uint64_t psize = w->m->psize;
	unsigned flags, lower, nkeys, i, off;
	uint8_t *p;
	int rc = 0;

	if (pgno < 2 || pgno > w->m->last_pg) {
		return walk_corrupt(w, "out of range", pgno);
	}
	if (walk_reach(w, pgno, pgno * psize, psize)) {
		return 1;
	}
	if (w->budget == 0) {
		return walk_corrupt(w, "more pages than the file", pgno);
	}
	w->budget--;
	p = malloc(psize);
	if (!p) {
		return -ENOMEM;
	}
	rc = w->read(w->ctx, pgno * psize, p, psize);
	if (rc) {
		goto out_free;
	}
	flags = vrd_get_le16(p + OFF_FLAGS);
	lower = vrd_get_le16(p + 12);
	if (vrd_get_le64(p) != pgno) {
		rc = walk_corrupt(w, "holds another page number", pgno);
		goto out_free;
	}
	if (!(flags & (depth > 1 ? P_BRANCH : P_LEAF)) || lower < PAGEHDRSZ ||
	    lower > psize || (lower - PAGEHDRSZ) % 2) {
		rc = walk_corrupt(w, "not the page the tree's depth says",
				  pgno);
		goto out_free;
	}
	nkeys = (lower - PAGEHDRSZ) / 2;
	for (i = 0; i < nkeys && rc == 0; i++) {
		off = vrd_get_le16(p + PAGEHDRSZ + 2 * i);
		if (off < lower || off + NODESIZE > psize) {
			rc = walk_corrupt(w, "a node past the page", pgno);
		} else if (depth > 1) {
			const uint8_t *n = p + off;

			rc = walk_page(
				w,
				vrd_get_le16(n) |
					(uint64_t)vrd_get_le16(n + 2) << 16 |
					(uint64_t)vrd_get_le16(n + 4) << 32,
				depth - 1);
		} else {
			rc = walk_leaf_node(w, pgno, p, off);
		}
	}
out_free:
	free(p);
	return rc;
}

/* The file ends before page last_pg does: sound only if every page it
 * lacks (whole or in part) is on the free list. */
static int check_tail(uint64_t size, tables_mdb_read_fn read, void *ctx,
		      struct tables_mdb_report *out)
{
	const struct tables_mdb_meta *m = &out->meta;
	struct walk w = {
		.read = read,
		.ctx = ctx,
		.size = size,
		.m = m,
		.first = size / m->psize,
		.budget = size / m->psize,
		.out = out,
	};
	uint64_t n, i;
	int rc;

	out->verdict = TABLES_MDB_TRUNCATED;
	out->missing = w.first;
	n = m->last_pg - w.first + 1;
	/* the meta pages are never free; each free page costs the list 8
	 * bytes, which must be in the file */
	if (w.first < 2 || m->free_root == P_INVALID || n > size / 8) {
		return 0;
	}
	if (m->free_depth < 1 || m->free_depth > DEPTH_MAX) {
		out->verdict = TABLES_MDB_CORRUPT;
		snprintf(out->why, sizeof(out->why), "free list of depth %u",
			 m->free_depth);
		return 0;
	}
	w.freed = calloc(n / 8 + 1, 1);
	if (!w.freed) {
		return -ENOMEM;
	}
	rc = walk_page(&w, m->free_root, m->free_depth);
	if (rc == 0) {
		for (i = 0; i < n && (w.freed[i / 8] >> (i % 8) & 1); i++) {
		}
		out->verdict = i == n ? TABLES_MDB_SOUND : TABLES_MDB_TRUNCATED;
		out->missing = w.first + i;
	}
	free(w.freed);
	return rc < 0 ? rc : 0;
}

/* ---- the file ------------------------------------------------------- */

static int meta_read(uint64_t size, tables_mdb_read_fn read, void *ctx,
		     uint64_t off, struct tables_mdb_meta *m,
		     enum tables_mdb_verdict *v, char *why, size_t why_len)
{
	uint8_t b[TABLES_MDB_META_BYTES];
	size_t n = TABLES_MDB_META_BYTES;
	int rc;

	if (off >= size) {
		*v = TABLES_MDB_TRUNCATED;
		return 0;
	}
	if (size - off < n) {
		n = (size_t)(size - off);
	}
	rc = read(ctx, off, b, n);
	if (rc) {
		return rc;
	}
	*v = tables_mdb_meta_parse(b, n, m, why, why_len);
	/* a meta page cut short: LMDB's magic or only zeros in what is
	 * left of it */
	if (n < TABLES_MDB_META_BYTES &&
	    (*v == TABLES_MDB_ZEROED ||
	     (n >= OFF_VERSION && vrd_get_le32(b + OFF_MAGIC) == MDB_MAGIC))) {
		*v = TABLES_MDB_TRUNCATED;
	}
	return 0;
}

int tables_mdb_check(uint64_t size, tables_mdb_read_fn read, void *ctx,
		     struct tables_mdb_report *out)
{
	struct tables_mdb_meta m0, m1;
	enum tables_mdb_verdict v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->size = size;
	if (size == 0) {
		out->verdict = TABLES_MDB_EMPTY;
		return 0;
	}
	rc = meta_read(size, read, ctx, 0, &m0, &v, out->why, sizeof(out->why));
	if (rc || v != TABLES_MDB_SOUND) {
		out->verdict = v;
		return rc;
	}
	out->meta = m0;
	out->end = (m0.last_pg + 1) * m0.psize;
	rc = meta_read(size, read, ctx, m0.psize, &m1, &v, out->why,
		       sizeof(out->why));
	if (rc) {
		return rc;
	}
	if (v == TABLES_MDB_SOUND && m1.psize != m0.psize) {
		v = meta_bad(out->why, sizeof(out->why),
			     "meta pages disagree on the page size");
	} else if (v != TABLES_MDB_SOUND && v != TABLES_MDB_TRUNCATED) {
		/* page 0 said LMDB: whatever page 1 holds is damage */
		if (v != TABLES_MDB_CORRUPT) {
			snprintf(out->why, sizeof(out->why),
				 "meta page 1 is not one");
		}
		v = TABLES_MDB_CORRUPT;
	}
	if (v != TABLES_MDB_SOUND) {
		out->verdict = v;
		return 0;
	}
	if (m1.txnid > m0.txnid) {
		out->meta = m1;
	}
	out->end = (out->meta.last_pg + 1) * out->meta.psize;
	if (size >= out->end) {
		out->verdict = TABLES_MDB_SOUND;
		return 0;
	}
	return check_tail(size, read, ctx, out);
}

const char *tables_mdb_verdict_name(enum tables_mdb_verdict v)
{
	switch (v) {
	case TABLES_MDB_SOUND:
		return "sound";
	case TABLES_MDB_EMPTY:
		return "empty";
	case TABLES_MDB_ZEROED:
		return "zeroed";
	case TABLES_MDB_TRUNCATED:
		return "truncated";
	case TABLES_MDB_CORRUPT:
		return "corrupt";
	case TABLES_MDB_VERSION:
		return "version";
	case TABLES_MDB_FOREIGN:
		return "foreign";
	}
	return "?";
}
