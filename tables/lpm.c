/*
 * A poptrie (Asai and Ohara, SIGCOMM 2015) for IPv4 longest-prefix match.
 *
 * The top 16 bits of an address index a direct-pointing array; an entry
 * with LEAF_FLAG set holds the value for the whole /16, any other entry is
 * the index of a root node. A node covers the next 6 bits (a stride): bit
 * s of vector says slot s has a child node, children are contiguous from
 * base1 in slot order; the leaf slots hold runs of equal values, bit s of
 * leafvec marks the slot where a run starts, and the runs are contiguous
 * from base0. Popcount over the bits up to s gives the index. Strides start
 * at bits 16, 22 and 28; the last one has 2 padding bits below bit 0 of
 * the address, so at most three node levels follow the direct array.
 *
 * The build sorts the prefixes by (address, length), which is a pre-order
 * of the prefix tree: a prefix comes before every prefix nested in it. So
 * painting the slots of a region in sorted order is leaf pushing, and the
 * prefixes that fall into one slot of a region are a contiguous run of the
 * sorted array. No per-bit trie is ever built.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tables/lpm.h"

#define LEAF_FLAG 0x80000000u
#define DIRECT_BITS 16
#define DIRECT_SIZE (1u << DIRECT_BITS)
#define STRIDE 6
#define SLOTS 64
#define INDEX_MAX 0x7fffffffu /* node and leaf indices fit in 31 bits */
#define SMALL_SORT 64

/*
 * The project builds for plain x86-64, where __builtin_popcountll is a
 * libgcc call. There, lookup gets a second clone compiled for the popcnt
 * instruction, chosen once at load time (an ifunc) when the CPU has it.
 * Clang before 18 names the ifunc "name.ifunc", which callers in other
 * files cannot link to (llvm-project pull 71706): no clones there.
 */
#if defined(__clang__) && __clang_major__ < 18
#define LOOKUP_CLONES_BROKEN 1
#endif
#if defined(__x86_64__) && defined(__gnu_linux__) && !defined(__POPCNT__) && \
	defined(__has_attribute) && !defined(LOOKUP_CLONES_BROKEN)
#if __has_attribute(target_clones)
#define LOOKUP_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef LOOKUP_CLONES
#define LOOKUP_CLONES
#endif

struct node {
	uint64_t vector; /* slot has a child node */
	uint64_t leafvec; /* a leaf run starts at this slot */
	uint32_t base0; /* first leaf */
	uint32_t base1; /* first child */
};

struct tables_lpm {
	uint32_t *direct; /* DIRECT_SIZE entries */
	struct node *nodes;
	uint32_t *leaves;
	size_t nnodes;
	size_t nleaves;
};

/* A prefix while building: key is addr << 6 | len, so sorting by key sorts
 * by (address, length). */
struct item {
	uint64_t key;
	uint32_t value;
};

struct builder {
	const struct item *items;
	struct node *nodes;
	size_t nnodes;
	size_t node_cap;
	uint32_t *leaves;
	size_t nleaves;
	size_t leaf_cap;
};

static inline uint32_t item_addr(const struct item *it)
{
	return (uint32_t)(it->key >> 6);
}

static inline unsigned item_len(const struct item *it)
{
	return (unsigned)(it->key & 63);
}

/* The 6 bits of addr from bit offset depth (counted from the top), with
 * zero padding past bit 0. */
static inline unsigned slot_of(uint32_t addr, unsigned depth)
{
	return (unsigned)(((uint64_t)addr << 32) >> (64 - STRIDE - depth)) &
	       (SLOTS - 1);
}

/* Stable sort by key: insertion sort for a few items, else an LSD radix
 * sort over the 38 key bits in 3 passes of 13. */
static int items_sort(struct item *a, size_t n)
{
	enum { BITS = 13, BUCKETS = 1 << BITS, PASSES = 3 };
	struct item *tmp, *src = a, *dst;
	size_t *count;

	if (n < SMALL_SORT) {
		for (size_t i = 1; i < n; i++) {
			struct item x = a[i];
			size_t j = i;

			while (j > 0 && a[j - 1].key > x.key) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
		return 0;
	}
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		return -ENOMEM;
	}
	count = malloc(BUCKETS * sizeof(*count));
	if (!count) {
		free(tmp);
		return -ENOMEM;
	}
	dst = tmp;
	for (unsigned pass = 0; pass < PASSES; pass++) {
		unsigned shift = pass * BITS;
		size_t sum = 0;

		memset(count, 0, BUCKETS * sizeof(*count));
		for (size_t i = 0; i < n; i++) {
			count[(src[i].key >> shift) & (BUCKETS - 1)]++;
		}
		for (size_t b = 0; b < BUCKETS; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			dst[count[(src[i].key >> shift) & (BUCKETS - 1)]++] =
				src[i];
		}
		struct item *t = src;
		src = dst;
		dst = t;
	}
	/* An odd number of passes leaves the result in tmp. */
	memcpy(a, src, n * sizeof(*a));
	free(count);
	free(tmp);
	return 0;
}

/* Of each run of equal keys keeps the last (the later input). */
static size_t items_dedupe(struct item *a, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && a[i + 1].key == a[i].key) {
			continue;
		}
		a[out++] = a[i];
	}
	return out;
}

static int items_load(struct item *items,
		      const struct tables_lpm_prefix *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tables_lpm_prefix *p = &prefixes[i];
		uint32_t mask;

		if (p->len > 32 || p->value == TABLES_LPM_NONE ||
		    p->value > INDEX_MAX) {
			return -EINVAL;
		}
		mask = p->len == 0 ? 0 : ~(uint32_t)0 << (32 - p->len);
		items[i].key = (uint64_t)(p->addr & mask) << 6 | p->len;
		items[i].value = p->value;
	}
	return 0;
}

/* Reserves count contiguous nodes; their index, or -1 on failure. */
static int64_t nodes_reserve(struct builder *b, size_t count)
{
	size_t first = b->nnodes;

	if (count > INDEX_MAX - first) {
		return -1;
	}
	if (first + count > b->node_cap) {
		size_t cap = b->node_cap ? b->node_cap * 2 : 1024;
		struct node *nodes;

		while (cap < first + count) {
			cap *= 2;
		}
		nodes = realloc(b->nodes, cap * sizeof(*nodes));
		if (!nodes) {
			return -1;
		}
		b->nodes = nodes;
		b->node_cap = cap;
	}
	b->nnodes += count;
	return (int64_t)first;
}

static int leaf_push(struct builder *b, uint32_t value)
{
	if (b->nleaves >= INDEX_MAX) {
		return -ENOMEM;
	}
	if (b->nleaves == b->leaf_cap) {
		size_t cap = b->leaf_cap ? b->leaf_cap * 2 : 1024;
		uint32_t *leaves = realloc(b->leaves, cap * sizeof(*leaves));

		if (!leaves) {
			return -ENOMEM;
		}
		b->leaves = leaves;
		b->leaf_cap = cap;
	}
	b->leaves[b->nleaves++] = value;
	return 0;
}

/*
 * Builds node idx for the region at depth (bits above it fixed) from
 * items[lo, hi), every one longer than depth and inside the region; def is
 * the value inherited from shorter prefixes.
 */
static int node_build(struct builder *b, size_t idx, unsigned depth, size_t lo,
		      size_t hi, uint32_t def)
{
	uint32_t slot[SLOTS];
	size_t child_lo[SLOTS], child_hi[SLOTS];
	uint64_t vector = 0, leafvec = 0;
	size_t base0 = b->nleaves;
	int64_t base1;
	bool first = true;
	uint32_t prev = 0;
	int err;

	for (unsigned s = 0; s < SLOTS; s++) {
		slot[s] = def;
	}
	for (size_t i = lo; i < hi; i++) {
		const struct item *it = &b->items[i];
		unsigned len = item_len(it);
		unsigned s = slot_of(item_addr(it), depth);

		if (len <= depth + STRIDE) {
			unsigned end = s + (1u << (depth + STRIDE - len));

			for (unsigned k = s; k < end; k++) {
				slot[k] = it->value;
			}
		} else {
			if (!(vector & (1ull << s))) {
				vector |= 1ull << s;
				child_lo[s] = i;
			}
			child_hi[s] = i + 1;
		}
	}

	base1 = nodes_reserve(b, (size_t)__builtin_popcountll(vector));
	if (base1 < 0) {
		return -ENOMEM;
	}
	for (unsigned s = 0; s < SLOTS; s++) {
		if (vector & (1ull << s)) {
			continue;
		}
		if (first || slot[s] != prev) {
			leafvec |= 1ull << s;
			err = leaf_push(b, slot[s]);
			if (err) {
				return err;
			}
			prev = slot[s];
			first = false;
		}
	}
	b->nodes[idx] = (struct node){
		.vector = vector,
		.leafvec = leafvec,
		.base0 = (uint32_t)base0,
		.base1 = (uint32_t)base1,
	};

	size_t child = (size_t)base1;
	for (unsigned s = 0; s < SLOTS; s++) {
		if (!(vector & (1ull << s))) {
			continue;
		}
		err = node_build(b, child++, depth + STRIDE, child_lo[s],
				 child_hi[s], slot[s]);
		if (err) {
			return err;
		}
	}
	return 0;
}

/* Paints the direct array from the prefixes up to /16, then builds a root
 * node for each /16 that holds longer prefixes. */
static int direct_build(struct builder *b, uint32_t *direct, size_t n)
{
	const struct item *items = b->items;
	size_t i = 0;

	for (size_t k = 0; k < DIRECT_SIZE; k++) {
		direct[k] = LEAF_FLAG | TABLES_LPM_NONE;
	}
	for (size_t k = 0; k < n; k++) {
		unsigned len = item_len(&items[k]);
		uint32_t first, end;

		if (len > DIRECT_BITS) {
			continue;
		}
		first = item_addr(&items[k]) >> DIRECT_BITS;
		end = first + (1u << (DIRECT_BITS - len));
		for (uint32_t s = first; s < end; s++) {
			direct[s] = LEAF_FLAG | items[k].value;
		}
	}
	while (i < n) {
		uint32_t region = item_addr(&items[i]) >> DIRECT_BITS;
		size_t j = i;
		int64_t idx;
		int err;

		if (item_len(&items[i]) <= DIRECT_BITS) {
			i++;
			continue;
		}
		/* Shorter prefixes of this /16 sort before i: all of
		 * [i, j) are longer than /16. */
		while (j < n && item_addr(&items[j]) >> DIRECT_BITS == region) {
			j++;
		}
		idx = nodes_reserve(b, 1);
		if (idx < 0) {
			return -ENOMEM;
		}
		err = node_build(b, (size_t)idx, DIRECT_BITS, i, j,
				 direct[region] & ~LEAF_FLAG);
		if (err) {
			return err;
		}
		direct[region] = (uint32_t)idx;
		i = j;
	}
	return 0;
}

/* Gives back the spare capacity of a builder's arrays to the structure. */
static void builder_finish(struct builder *b, struct tables_lpm *lpm)
{
	if (b->nnodes && b->nnodes < b->node_cap) {
		struct node *nodes =
			realloc(b->nodes, b->nnodes * sizeof(*nodes));

		if (nodes) {
			b->nodes = nodes;
		}
	}
	if (b->nleaves && b->nleaves < b->leaf_cap) {
		uint32_t *leaves =
			realloc(b->leaves, b->nleaves * sizeof(*leaves));

		if (leaves) {
			b->leaves = leaves;
		}
	}
	lpm->nodes = b->nodes;
	lpm->nnodes = b->nnodes;
	lpm->leaves = b->leaves;
	lpm->nleaves = b->nleaves;
}

struct tables_lpm *tables_lpm_build(const struct tables_lpm_prefix *prefixes,
				    size_t n)
{
	struct builder b = {0};
	struct tables_lpm *lpm;
	struct item *items = NULL;
	int err;

	if (n && !prefixes) {
		errno = EINVAL;
		return NULL;
	}
	if (n > SIZE_MAX / sizeof(*items)) {
		errno = ENOMEM;
		return NULL;
	}
	lpm = calloc(1, sizeof(*lpm));
	if (!lpm) {
		errno = ENOMEM;
		return NULL;
	}
	lpm->direct = malloc(DIRECT_SIZE * sizeof(*lpm->direct));
	if (!lpm->direct) {
		err = -ENOMEM;
		goto free_lpm;
	}
	if (n) {
		items = malloc(n * sizeof(*items));
		if (!items) {
			err = -ENOMEM;
			goto free_direct;
		}
	}
	err = items_load(items, prefixes, n);
	if (err) {
		goto free_items;
	}
	err = items_sort(items, n);
	if (err) {
		goto free_items;
	}
	n = items_dedupe(items, n);

	b.items = items;
	err = direct_build(&b, lpm->direct, n);
	if (err) {
		goto free_builder;
	}
	builder_finish(&b, lpm);
	free(items);
	return lpm;

free_builder:
	free(b.nodes);
	free(b.leaves);
free_items:
	free(items);
free_direct:
	free(lpm->direct);
free_lpm:
	free(lpm);
	errno = -err;
	return NULL;
}

void tables_lpm_destroy(struct tables_lpm *lpm)
{
	if (!lpm) {
		return;
	}
	free(lpm->direct);
	free(lpm->nodes);
	free(lpm->leaves);
	free(lpm);
}

LOOKUP_CLONES
uint32_t tables_lpm_lookup(const struct tables_lpm *lpm, uint32_t addr)
{
	uint32_t d = lpm->direct[addr >> DIRECT_BITS];
	const struct node *node;
	uint64_t key = (uint64_t)addr << 32;
	unsigned shift = 64 - STRIDE - DIRECT_BITS;
	unsigned s;

	if (d & LEAF_FLAG) {
		return d & ~LEAF_FLAG;
	}
	node = &lpm->nodes[d];
	s = (unsigned)(key >> shift) & (SLOTS - 1);
	while (node->vector & (1ull << s)) {
		uint64_t below = node->vector & ((2ull << s) - 1);

		node = &lpm->nodes[node->base1 + __builtin_popcountll(below) -
				   1];
		shift -= STRIDE;
		s = (unsigned)(key >> shift) & (SLOTS - 1);
	}
	return lpm->leaves[node->base0 +
			   __builtin_popcountll(node->leafvec &
						((2ull << s) - 1)) -
			   1];
}

/* A node is 24 bytes, so one in four crosses a cache line: fetch both
 * ends. */
static inline void node_prefetch(const struct node *node)
{
	__builtin_prefetch(node);
	__builtin_prefetch((const char *)(node + 1) - 1);
}

/*
 * Up to BATCH_GROUP lookups side by side, one level at a time (group
 * prefetching): each stage prefetches what the next stage reads for every
 * lookup of the group, so their cache misses overlap instead of following
 * one another. walk lists the lookups standing on a node, fetch those
 * waiting for their leaf; leaves are read last, so the leaf misses of
 * short walks overlap the node misses of long ones. All of addrs is read
 * before values is written, so the two may be the same array.
 *
 * Always inlined: a call would go to the default (libgcc popcount) copy
 * from the popcnt clone of tables_lpm_lookup_batch().
 */
#define BATCH_GROUP 64 /* at most 256: the lists hold uint8_t */

__attribute__((always_inline)) static inline void
lookup_group(const struct tables_lpm *lpm, const uint32_t *addrs,
	     uint32_t *values, unsigned n)
{
	uint64_t key[BATCH_GROUP];
	uint32_t at[BATCH_GROUP]; /* node index, then leaf index */
	uint8_t walk[BATCH_GROUP], fetch[BATCH_GROUP];
	unsigned nwalk = 0, nfetch = 0;
	unsigned shift = 64 - STRIDE - DIRECT_BITS;

	for (unsigned i = 0; i < n; i++) {
		key[i] = (uint64_t)addrs[i] << 32;
		__builtin_prefetch(&lpm->direct[addrs[i] >> DIRECT_BITS]);
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = lpm->direct[key[i] >> (64 - DIRECT_BITS)];

		if (d & LEAF_FLAG) {
			values[i] = d & ~LEAF_FLAG;
			continue;
		}
		at[i] = d;
		node_prefetch(&lpm->nodes[d]);
		walk[nwalk++] = (uint8_t)i;
	}
	while (nwalk) {
		unsigned next = 0;

		for (unsigned k = 0; k < nwalk; k++) {
			unsigned i = walk[k];
			const struct node *node = &lpm->nodes[at[i]];
			unsigned s = (unsigned)(key[i] >> shift) & (SLOTS - 1);
			uint64_t upto = (2ull << s) - 1;

			if (node->vector & (1ull << s)) {
				at[i] = node->base1 +
					(uint32_t)__builtin_popcountll(
						node->vector & upto) -
					1;
				node_prefetch(&lpm->nodes[at[i]]);
				walk[next++] = (uint8_t)i;
			} else {
				at[i] = node->base0 +
					(uint32_t)__builtin_popcountll(
						node->leafvec & upto) -
					1;
				__builtin_prefetch(&lpm->leaves[at[i]]);
				fetch[nfetch++] = (uint8_t)i;
			}
		}
		nwalk = next;
		shift -= STRIDE;
	}
	for (unsigned k = 0; k < nfetch; k++) {
		unsigned i = fetch[k];

		values[i] = lpm->leaves[at[i]];
	}
}

LOOKUP_CLONES
void tables_lpm_lookup_batch(const struct tables_lpm *lpm,
			     const uint32_t *addrs, uint32_t *values, size_t n)
{
	size_t i = 0;

	for (; n - i >= BATCH_GROUP; i += BATCH_GROUP) {
		lookup_group(lpm, addrs + i, values + i, BATCH_GROUP);
	}
	if (i < n) {
		lookup_group(lpm, addrs + i, values + i, (unsigned)(n - i));
	}
}

size_t tables_lpm_memory(const struct tables_lpm *lpm)
{
	if (!lpm) {
		return 0;
	}
	return sizeof(*lpm) + DIRECT_SIZE * sizeof(*lpm->direct) +
	       lpm->nnodes * sizeof(*lpm->nodes) +
	       lpm->nleaves * sizeof(*lpm->leaves);
}
