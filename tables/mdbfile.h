/*
 * LMDB's data.mdb checked from outside, before LMDB maps it.
 *
 * LMDB maps the whole file and trusts it: a file shorter than the pages its
 * meta page says are in use kills the process with SIGBUS on first touch,
 * and an empty file is silently made into a new, empty environment. This
 * reads the two meta pages (and, only for a file that ends early, the free
 * list) through a read callback and says whether LMDB may map the file.
 *
 * Pure: no LMDB header, no I/O of its own; explicit-width little-endian
 * loads at fixed offsets, never a struct laid over the bytes. The layout is
 * LMDB 0.9's (mdb.c: MDB_page, MDB_meta, MDB_db, MDB_node) as a 64-bit
 * little-endian host writes it:
 *
 *   page header, 16 bytes: mp_pgno u64 @0, mp_pad u16 @8, mp_flags u16 @10
 *     (P_BRANCH 0x01, P_LEAF 0x02, P_OVERFLOW 0x04, P_META 0x08),
 *     mp_lower u16 @12, mp_upper u16 @14 (overflow: mp_pages u32 @12)
 *   MDB_meta @16: mm_magic u32 0xBEEFC0DE @16, mm_version u32 1 @20,
 *     mm_address @24, mm_mapsize @32, mm_dbs[2] @40 and @88 (MDB_db, 48
 *     bytes: md_pad u32 (FREE_DBI's: the page size), md_flags u16,
 *     md_depth u16, md_branch_pages, md_leaf_pages, md_overflow_pages,
 *     md_entries, md_root, u64 each), mm_last_pg u64 @136, mm_txnid u64
 *     @144; 152 bytes in all.
 *
 * Meta pages are pages 0 and 1; both must be valid (as LMDB requires) and
 * the one with the higher txnid is in force (a tie: page 0). The file must
 * reach the end of page mm_last_pg, except that pages at the end that the
 * free list holds need not have been written (mdb.c: "the file may be
 * shorter if the freeDB lists the final pages"; under a random put and
 * delete load a healthy file ended up to 5 pages early after 17 of 100000
 * commits, measured with LMDB 0.9.24).
 */
#ifndef TABLES_MDBFILE_H
#define TABLES_MDBFILE_H

#include <stddef.h>
#include <stdint.h>

#define TABLES_MDB_META_BYTES 152 /* page header + MDB_meta */

struct tables_mdb_meta {
	uint32_t psize; /* page size */
	uint64_t mapsize;
	uint64_t free_root; /* FREE_DBI's root page; UINT64_MAX: empty */
	uint16_t free_depth;
	uint64_t last_pg; /* last page in use */
	uint64_t txnid; /* the transaction that wrote this meta */
};

enum tables_mdb_verdict {
	TABLES_MDB_SOUND, /* LMDB may map it */
	TABLES_MDB_EMPTY, /* 0 bytes: LMDB would start over, silently */
	TABLES_MDB_ZEROED, /* its first bytes are all zeros: damaged */
	TABLES_MDB_TRUNCATED, /* pages in use lie beyond its end */
	TABLES_MDB_CORRUPT, /* LMDB's magic, but the metas do not hold */
	TABLES_MDB_VERSION, /* LMDB's magic, another data version */
	TABLES_MDB_FOREIGN, /* no LMDB magic: not an LMDB file */
};

struct tables_mdb_report {
	enum tables_mdb_verdict verdict;
	uint64_t size; /* the file's bytes, as given */
	struct tables_mdb_meta meta; /* in force; zero before the metas */
	uint64_t end; /* where the last page in use ends; 0: unknown */
	uint64_t missing; /* TRUNCATED with end > size: a page in use, cut */
	char why[96]; /* CORRUPT: what does not hold */
};

/* Reads exactly len bytes at off into buf: 0 or a negative errno. The
 * checker never asks for bytes at or past the size it was given. */
typedef int (*tables_mdb_read_fn)(void *ctx, uint64_t off, void *buf,
				  size_t len);

/* One meta page's first TABLES_MDB_META_BYTES bytes: SOUND (out filled),
 * ZEROED, FOREIGN, VERSION or CORRUPT (why filled when not NULL). */
enum tables_mdb_verdict tables_mdb_meta_parse(const uint8_t *b, size_t len,
					      struct tables_mdb_meta *out,
					      char *why, size_t why_len);

/* Checks a file of size bytes: 0 with out->verdict, or a negative errno
 * from read (or -ENOMEM). Work is bounded by the file's page count. */
int tables_mdb_check(uint64_t size, tables_mdb_read_fn read, void *ctx,
		     struct tables_mdb_report *out);

const char *tables_mdb_verdict_name(enum tables_mdb_verdict v);

#endif
