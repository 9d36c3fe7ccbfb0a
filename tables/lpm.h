/*
 * An immutable IPv4 longest-prefix-match structure (a poptrie: a 16-bit
 * direct-pointing array, then 6-bit strides with popcount-compressed
 * nodes and leaf runs). Pure: no LMDB, no I/O. Built once from a list of
 * prefixes, read by any number of threads without locks, destroyed when
 * nobody reads it any more (tables/fib.h arranges that).
 */
#ifndef TABLES_LPM_H
#define TABLES_LPM_H

#include <stddef.h>
#include <stdint.h>

#define TABLES_LPM_NONE 0u /* lookup result: no prefix covers the address */

struct tables_lpm_prefix {
	uint32_t addr; /* host order; bits below len are ignored */
	uint8_t len; /* 0 to 32 */
	uint32_t value; /* returned by lookup; nonzero, < 2^31 */
};

struct tables_lpm;

/* Builds from n prefixes (any order; of duplicates, the later wins).
 * NULL with errno set: EINVAL for a bad len or value, ENOMEM. */
struct tables_lpm *tables_lpm_build(const struct tables_lpm_prefix *prefixes,
				    size_t n);
void tables_lpm_destroy(struct tables_lpm *lpm); /* accepts NULL */

/* The value of the longest prefix containing addr, or TABLES_LPM_NONE. */
uint32_t tables_lpm_lookup(const struct tables_lpm *lpm, uint32_t addr);

/* values[i] = tables_lpm_lookup(lpm, addrs[i]) for i < n, faster: the
 * lookups go in groups whose memory accesses overlap. values may be addrs
 * itself; otherwise the arrays must not overlap. With n 0 nothing is
 * read or written. */
void tables_lpm_lookup_batch(const struct tables_lpm *lpm,
			     const uint32_t *addrs, uint32_t *values, size_t n);

/* Bytes held by the structure. */
size_t tables_lpm_memory(const struct tables_lpm *lpm);

#endif
