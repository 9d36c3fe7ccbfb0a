/*
 * tables: the LNDT, GNDT and HWDT, the event log and the router's metadata,
 * in one LMDB environment under state_dir.
 *
 *   LNDT  (vn, prefix)  -> hosts and prefixes this router serves and admits
 *   GNDT  (vn, prefix)  -> owning router, sequence number, origin, times
 *   HWDT  (vn, ip)      -> MAC, how and when it was learned
 *         (vn, mac, ip)    index: which IPs a MAC has (issue 4 asks by MAC)
 *   events  id          -> time, type, fields; bounded, oldest dropped
 *   meta    key         -> schema version, router name, mode
 *
 * Every key starts with the virtual-network id, so isolated VNs may reuse
 * prefixes and MACs. Keys are big-endian so a cursor walks them in order.
 * Values are versioned, explicit-width encodings (tables/codec.h), never a
 * struct copied to disk.
 *
 * Writes go through tables_write(): the caller's function runs inside one
 * write transaction; when LMDB reports MDB_MAP_FULL the transaction is
 * aborted, the map doubled and the function run again, so it must derive
 * everything it writes from its argument and what it reads in the
 * transaction. LMDB's copy-on-write B+trees and synchronous commits mean a
 * kill -9 at any moment loses no committed write and leaves the environment
 * consistent.
 *
 * Errors are negative errno values; LMDB's own codes are translated here
 * and its message logged: MDB_NOTFOUND -ENOENT, MDB_MAP_FULL -ENOSPC (only
 * when the map cannot grow any more), MDB_INVALID / MDB_VERSION_MISMATCH /
 * a foreign schema -EPROTO, MDB_CORRUPTED / MDB_PAGE_NOTFOUND -EIO.
 *
 * Pointers to entries passed to callbacks are borrowed: valid only during
 * the callback. Strings in entries are NUL-terminated copies.
 */
#ifndef TABLES_TABLES_H
#define TABLES_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define TABLES_VN_ALL UINT32_MAX /* foreach: every virtual network */

struct tables;
struct tables_txn;

/* ---- environment ---------------------------------------------------- */

struct tables_options {
	bool read_only; /* vrctl -d: no writes, no lock on the schema */
	size_t map_size; /* initial map size; 0: 64 MiB */
	size_t map_size_max; /* growth stops here; 0: 64 GiB */
	uint32_t events_max; /* event log bound; 0: 10000 */
	/* When set and the environment is new, stamped into meta; when the
	 * environment exists and names another router, tables_open fails
	 * with -EEXIST (a state_dir reused by mistake). */
	const char *router_name;
};

/*
 * Opens (read-write: creates dir and environment if missing) the tables in
 * dir. A file in dir that is not a vrd environment (a foreign LMDB, a text
 * file named data.mdb, a newer schema) is -EPROTO with the reason logged.
 * Read-only opening of a dir without an environment is -ENOENT.
 *
 * Before LMDB maps data.mdb, its meta pages are checked (tables/mdbfile.h):
 * a data.mdb that is empty (0 bytes), shorter than the pages in use, or
 * damaged in its meta pages is -EUCLEAN, logged with the file's name and
 * sizes, in both modes. Without this LMDB would die of SIGBUS on a short
 * file, and silently start over on an empty one. A file made shorter
 * while it is open still faults on access: LMDB maps it.
 */
int tables_open(struct tables **out, const char *dir,
		const struct tables_options *opt);
void tables_close(struct tables *t); /* accepts NULL */

/*
 * Starting over after -EUCLEAN: renames dir/data.mdb and dir/lock.mdb to
 * NAME.SUFFIX, SUFFIX "broken-YYYYMMDDTHHMMSSZ" (UTC, written to suffix),
 * never replacing a file; logs each move. A missing file is no error. The
 * caller must hold the state dir against other writers, and must not have
 * the tables open.
 */
#define TABLES_ASIDE_SUFFIX_MAX 32
int tables_set_aside(const char *dir, char suffix[TABLES_ASIDE_SUFFIX_MAX]);

struct tables_stats {
	uint64_t map_size; /* bytes */
	uint64_t map_used; /* bytes in use: last page number * page size */
	uint64_t map_resizes; /* times the map was grown */
	uint64_t write_txns; /* committed write transactions */
	uint64_t write_retries; /* reruns after MDB_MAP_FULL */
	uint64_t write_errors; /* transactions that failed */
	uint64_t events_trimmed; /* oldest events dropped for the bound */
};
void tables_get_stats(struct tables *t, struct tables_stats *out);

/* ---- transactions --------------------------------------------------- */

/* A read transaction sees one consistent snapshot. Cheap; end it soon. */
int tables_read_begin(struct tables *t, struct tables_txn **out);
void tables_read_end(struct tables_txn *txn); /* accepts NULL */

/* Runs fn(txn, arg) in one write transaction and commits it. fn returns 0
 * to commit or a negative errno to abort (returned as is). See above on
 * MDB_MAP_FULL reruns. Not callable from inside fn. */
typedef int (*tables_write_fn)(struct tables_txn *txn, void *arg);
int tables_write(struct tables *t, tables_write_fn fn, void *arg);

/* ---- meta ----------------------------------------------------------- */

#define TABLES_META_VALUE_MAX 256
/* Known keys: "router" (name), "mode" ("gateway"/"host"), "created"
 * (decimal Unix ms), "schema" (decimal). -ENOENT when absent. */
int tables_meta_get(struct tables_txn *txn, const char *key,
		    char buf[TABLES_META_VALUE_MAX]);
int tables_meta_put(struct tables_txn *txn, const char *key, const char *value);

/* ---- LNDT ----------------------------------------------------------- */

enum tables_lndt_source {
	TABLES_LNDT_CONFIG = 1, /* [lan] network or [host] address */
	TABLES_LNDT_MIGRATED, /* a host that migrated in (issue 6) */
	TABLES_LNDT_STATIC, /* added by an operator */
};

struct tables_lndt_entry {
	uint32_t vn;
	struct vrd_prefix prefix;
	uint8_t source; /* enum tables_lndt_source */
	uint64_t added_ms; /* wall clock */
};

int tables_lndt_put(struct tables_txn *txn, const struct tables_lndt_entry *e);
int tables_lndt_get(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p, struct tables_lndt_entry *out);
int tables_lndt_del(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p); /* -ENOENT if absent */
/* The most specific LNDT prefix containing ip: 0 or -ENOENT. */
int tables_lndt_match(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		      struct tables_lndt_entry *out);
/* fn returns 0 to go on, anything else stops the walk and is returned. */
int tables_lndt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_lndt_entry *, void *),
			void *arg);

/* ---- GNDT ----------------------------------------------------------- */

enum tables_gndt_origin {
	TABLES_GNDT_LOCAL = 1, /* this router's own network (config) */
	TABLES_GNDT_GOSSIP, /* announced by another router */
	TABLES_GNDT_CLAIM, /* host route from a mobility claim */
	TABLES_GNDT_STATIC, /* added by an operator */
};

struct tables_gndt_entry {
	uint32_t vn;
	struct vrd_prefix prefix;
	char router[VRD_NAME_MAX + 1]; /* owning router */
	uint64_t seq; /* sequence number of the record */
	uint8_t origin; /* enum tables_gndt_origin */
	uint64_t created_ms; /* first installed, wall clock */
	uint64_t updated_ms; /* last changed or refreshed */
};

/* Insert or replace. created_ms of an existing entry is kept. */
int tables_gndt_put(struct tables_txn *txn, const struct tables_gndt_entry *e);
int tables_gndt_get(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p, struct tables_gndt_entry *out);
int tables_gndt_del(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p);
int tables_gndt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_gndt_entry *, void *),
			void *arg);
/* Bumped on every GNDT change that matters to forwarding (an entry added
 * or deleted, or its router, seq or origin changed; not a refresh of
 * updated_ms alone); the forwarding snapshot is rebuilt when it differs
 * from the one it was built at. Persisted in meta. */
uint64_t tables_gndt_generation(struct tables_txn *txn);

/* ---- HWDT ----------------------------------------------------------- */

enum tables_hwdt_source {
	TABLES_HWDT_ARP = 1, /* ARP request or reply */
	TABLES_HWDT_RARP, /* RARP (KVM/QEMU, VMware announcements) */
	TABLES_HWDT_GARP, /* gratuitous ARP (Xen, virtio) */
	TABLES_HWDT_STATIC, /* configured; never ages */
};

struct tables_hwdt_entry {
	uint32_t vn;
	uint32_t ip;
	struct vrd_mac mac;
	uint8_t source; /* enum tables_hwdt_source */
	uint64_t first_seen_ms; /* wall clock */
	uint64_t last_seen_ms;
};

enum tables_hwdt_result {
	TABLES_HWDT_NEW = 1, /* no entry for (vn, ip) before */
	TABLES_HWDT_REFRESHED, /* same MAC: last_seen and source updated */
	TABLES_HWDT_MOVED, /* another MAC had this IP: *prev says which */
};

/*
 * Learn (vn, ip) -> mac as seen at e->last_seen_ms. Returns an enum
 * tables_hwdt_result (> 0) or a negative errno; prev (may be NULL) gets the
 * entry as it was. A static entry is not overwritten by a learned one:
 * -EPERM. first_seen_ms is kept on refresh, reset on a MAC change.
 */
int tables_hwdt_learn(struct tables_txn *txn, const struct tables_hwdt_entry *e,
		      struct tables_hwdt_entry *prev);
int tables_hwdt_get(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		    struct tables_hwdt_entry *out);
int tables_hwdt_del(struct tables_txn *txn, uint32_t vn, uint32_t ip);
/* Every entry that has this MAC (one MAC may hold several IPs). */
int tables_hwdt_foreach_mac(struct tables_txn *txn, uint32_t vn,
			    const struct vrd_mac *mac,
			    int (*fn)(const struct tables_hwdt_entry *, void *),
			    void *arg);
int tables_hwdt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_hwdt_entry *, void *),
			void *arg);
/* Deletes learned entries last seen before cutoff_ms (static ones stay);
 * returns how many, or a negative errno. fn, if not NULL, sees each one
 * before it goes. */
int tables_hwdt_expire(struct tables_txn *txn, uint64_t cutoff_ms,
		       void (*fn)(const struct tables_hwdt_entry *, void *),
		       void *arg);

/* ---- event log ------------------------------------------------------ */

#define TABLES_EVENT_TYPE_MAX 31
#define TABLES_EVENT_FIELDS_MAX 8
#define TABLES_EVENT_KEY_MAX 23
#define TABLES_EVENT_VALUE_MAX 95

struct tables_event_field {
	char key[TABLES_EVENT_KEY_MAX + 1];
	char value[TABLES_EVENT_VALUE_MAX + 1];
};

struct tables_event {
	uint64_t id; /* assigned by tables_event_add, increasing */
	uint64_t time_ms; /* wall clock */
	char type[TABLES_EVENT_TYPE_MAX + 1]; /* "migration", "peer-up", ... */
	unsigned nfields;
	struct tables_event_field fields[TABLES_EVENT_FIELDS_MAX];
};

/* Appends ev (its id is assigned and written back); when the log holds
 * more than events_max, the oldest go. Keys and values that do not fit are
 * -EINVAL, not truncated. */
int tables_event_add(struct tables_txn *txn, struct tables_event *ev);
/* Helper to fill an event: tables_event_set(ev, "ip", "%s", buf). */
int tables_event_set(struct tables_event *ev, const char *key, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* Oldest first; from_id 0 walks all. */
int tables_event_foreach(struct tables_txn *txn, uint64_t from_id,
			 int (*fn)(const struct tables_event *, void *),
			 void *arg);

/* ---- names ---------------------------------------------------------- */

/* What operators see for the enums above ("config", "local", "rarp", ...);
 * NULL for a value this build does not know (a newer writer's). */
const char *tables_lndt_source_name(uint8_t source);
const char *tables_gndt_origin_name(uint8_t origin);
const char *tables_hwdt_source_name(uint8_t source);

/* ---- sizes ---------------------------------------------------------- */

struct tables_counts {
	uint64_t lndt, gndt, hwdt, events;
};
int tables_count(struct tables_txn *txn, struct tables_counts *out);

/* ---- claims --------------------------------------------------------- */

/*
 * Mobility claims (docs/gossip.md): per (vn, ip) the MAC and router that
 * currently own the host, the mobility sequence numbers and the history of
 * moves. The decision lives in gossip/claim.h; this is its storage, so a
 * restarted router neither reuses a sequence number nor forgets a freeze.
 * Times are wall clock ms (they must survive a reboot).
 */
#define TABLES_CLAIM_MOVES_MAX 16 /* capacity of the move history */

struct tables_claim_entry {
	uint32_t vn;
	uint32_t ip;
	struct vrd_mac mac;
	char router[VRD_NAME_MAX + 1]; /* owner, not empty */
	uint64_t mobility_seq; /* of the current owner's claim */
	uint64_t seq_max; /* highest seq seen, even refused */
	uint64_t frozen_until_ms; /* 0: not frozen */
	uint8_t nmoves; /* 0..TABLES_CLAIM_MOVES_MAX */
	uint64_t moves_ms[TABLES_CLAIM_MOVES_MAX]; /* oldest first */
	/* issue 11; an entry stored before reads them as 0 / "" */
	uint8_t flags; /* TABLES_CLAIM_LAPSED */
	char prev_router[VRD_NAME_MAX + 1]; /* owner before the last move */
	uint64_t moved_ms; /* the last move; 0: none, or undone */
	uint8_t ncontests;
	uint64_t contest_ms; /* the last contest */
	char frozen_at[VRD_NAME_MAX + 1]; /* where the freeze holds it; "" */
};
#define TABLES_CLAIM_LAPSED 0x01 /* the owner is gone: no route */

/* Insert or replace. -EINVAL for an empty or too long router name or
 * nmoves above TABLES_CLAIM_MOVES_MAX. */
int tables_claim_put(struct tables_txn *txn,
		     const struct tables_claim_entry *e);
int tables_claim_get(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		     struct tables_claim_entry *out); /* -ENOENT if absent */
int tables_claim_del(struct tables_txn *txn, uint32_t vn, uint32_t ip);
/* In (vn, ip) order; vn TABLES_VN_ALL walks every VN. fn returns 0 to go
 * on, anything else stops the walk and is returned. */
int tables_claim_foreach(struct tables_txn *txn, uint32_t vn,
			 int (*fn)(const struct tables_claim_entry *, void *),
			 void *arg);
int tables_claim_count(struct tables_txn *txn, uint64_t *out);

#endif
