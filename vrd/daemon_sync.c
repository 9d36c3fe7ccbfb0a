/* What the config says this router serves, written into the tables. */
#include "vrd/daemon.h"
#include "vrd/migrate.h"
#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define SYNC_MAX 4

struct sync {
	const struct vrd_config *cfg;
	uint64_t now;
	struct vrd_prefix lndt[SYNC_MAX], gndt[SYNC_MAX];
	size_t nlndt, ngndt;
	/* entries found stale, deleted after the walk */
	struct vrd_prefix stale_lndt[64], stale_gndt[64];
	uint32_t stale_lndt_vn[64], stale_gndt_vn[64];
	size_t nstale_lndt, nstale_gndt;
	bool gndt_changed;
};

static bool wanted(const struct vrd_prefix *set, size_t n, uint32_t vn,
		   uint32_t want_vn, const struct vrd_prefix *p)
{
	if (vn != want_vn) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (set[i].addr == p->addr && set[i].len == p->len) {
			return true;
		}
	}
	return false;
}

static int lndt_stale(const struct tables_lndt_entry *e, void *arg)
{
	struct sync *s = arg;

	if (e->source != TABLES_LNDT_CONFIG ||
	    wanted(s->lndt, s->nlndt, e->vn, s->cfg->vn, &e->prefix)) {
		return 0;
	}
	if (s->nstale_lndt == 64) {
		return -ENOSPC;
	}
	s->stale_lndt_vn[s->nstale_lndt] = e->vn;
	s->stale_lndt[s->nstale_lndt++] = e->prefix;
	return 0;
}

static int gndt_stale(const struct tables_gndt_entry *e, void *arg)
{
	struct sync *s = arg;

	if (e->origin != TABLES_GNDT_LOCAL ||
	    wanted(s->gndt, s->ngndt, e->vn, s->cfg->vn, &e->prefix)) {
		return 0;
	}
	if (s->nstale_gndt == 64) {
		return -ENOSPC;
	}
	s->stale_gndt_vn[s->nstale_gndt] = e->vn;
	s->stale_gndt[s->nstale_gndt++] = e->prefix;
	return 0;
}

static int gndt_own(struct tables_txn *txn, struct sync *s,
		    const struct vrd_prefix *p)
{
	struct tables_gndt_entry e, old;
	int rc = tables_gndt_get(txn, s->cfg->vn, p, &old);

	if (rc < 0 && rc != -ENOENT) {
		return rc;
	}
	if (rc == 0 && old.origin == TABLES_GNDT_LOCAL &&
	    strcmp(old.router, s->cfg->name) == 0) {
		return 0; /* already ours: keep its sequence number */
	}
	memset(&e, 0, sizeof(e));
	e.vn = s->cfg->vn;
	e.prefix = *p;
	strcpy(e.router, s->cfg->name);
	/* the config is authoritative for the router's own network */
	e.seq = rc == 0 ? old.seq + 1 : 1;
	e.origin = TABLES_GNDT_LOCAL;
	e.created_ms = s->now;
	e.updated_ms = s->now;
	s->gndt_changed = true;
	return tables_gndt_put(txn, &e);
}

static int sync_txn(struct tables_txn *txn, void *arg)
{
	struct sync *s = arg;
	char mode[TABLES_META_VALUE_MAX];
	int rc;

	s->nstale_lndt = s->nstale_gndt = 0;
	s->gndt_changed = false;
	rc = tables_lndt_foreach(txn, TABLES_VN_ALL, lndt_stale, s);
	if (rc == 0) {
		rc = tables_gndt_foreach(txn, TABLES_VN_ALL, gndt_stale, s);
	}
	if (rc < 0) {
		return rc;
	}
	for (size_t i = 0; i < s->nstale_lndt; i++) {
		rc = tables_lndt_del(txn, s->stale_lndt_vn[i],
				     &s->stale_lndt[i]);
		if (rc < 0) {
			return rc;
		}
	}
	for (size_t i = 0; i < s->nstale_gndt; i++) {
		rc = tables_gndt_del(txn, s->stale_gndt_vn[i],
				     &s->stale_gndt[i]);
		if (rc < 0) {
			return rc;
		}
		s->gndt_changed = true;
	}
	for (size_t i = 0; i < s->nlndt; i++) {
		struct tables_lndt_entry e = {
			.vn = s->cfg->vn,
			.prefix = s->lndt[i],
			.source = TABLES_LNDT_CONFIG,
			.added_ms = s->now,
		};
		struct tables_lndt_entry old;

		rc = tables_lndt_get(txn, e.vn, &e.prefix, &old);
		if (rc == 0 && old.source == TABLES_LNDT_CONFIG) {
			continue;
		}
		rc = tables_lndt_put(txn, &e);
		if (rc < 0) {
			return rc;
		}
	}
	for (size_t i = 0; i < s->ngndt; i++) {
		rc = gndt_own(txn, s, &s->gndt[i]);
		if (rc < 0) {
			return rc;
		}
	}
	rc = tables_meta_get(txn, "mode", mode);
	if (rc == -ENOENT ||
	    (rc == 0 && strcmp(mode, vrd_mode_name(s->cfg->mode)) != 0)) {
		rc = tables_meta_put(txn, "mode", vrd_mode_name(s->cfg->mode));
	}
	return rc;
}

int vrd_daemon_sync_config(struct vrd_daemon *d, const struct vrd_config *cfg)
{
	struct sync s = {.cfg = cfg, .now = vrd_wallclock_ms()};
	int rc;

	if (cfg->mode == VRD_MODE_GATEWAY) {
		/* the subnet: its hosts may use the overlay, and the overlay
		 * reaches them through this router */
		s.lndt[s.nlndt++] = cfg->lan_network;
		s.gndt[s.ngndt++] = cfg->lan_network;
	} else {
		/* a VM-as-router serves exactly its own virtual IP */
		struct vrd_prefix self = {.addr = cfg->host_addr, .len = 32};

		s.lndt[s.nlndt++] = self;
		s.gndt[s.ngndt++] = self;
	}
	rc = tables_write(d->tables, sync_txn, &s);
	if (rc < 0) {
		log_err("tables: cannot write the configured networks: %s",
			strerror(-rc));
		return rc;
	}
	if (s.nstale_lndt || s.nstale_gndt) {
		log_info("config: removed %zu lndt and %zu gndt entries no "
			 "longer configured",
			 s.nstale_lndt, s.nstale_gndt);
	}
	return vrd_daemon_fib_refresh(d, s.gndt_changed);
}

struct event_arg {
	struct tables_event ev;
};

static int event_txn(struct tables_txn *txn, void *arg)
{
	struct event_arg *a = arg;
	struct tables_event ev = a->ev; /* a rerun starts from the same */

	return tables_event_add(txn, &ev);
}

/* A field of an event; a value too long for the table (a reason naming
 * long paths) is cut, at a character, and ends in "...": the event is
 * recorded, the log has the whole text. */
static int event_field(struct tables_event *ev, const char *key,
		       const char *value)
{
	size_t n = strlen(value);

	if (n <= TABLES_EVENT_VALUE_MAX) {
		return tables_event_set(ev, key, "%s", value);
	}
	n = TABLES_EVENT_VALUE_MAX - 3;
	while (n > 0 && ((unsigned char)value[n] & 0xc0) == 0x80) {
		n--; /* not inside a UTF-8 sequence */
	}
	return tables_event_set(ev, key, "%.*s...", (int)n, value);
}

int vrd_daemon_event(struct vrd_daemon *d, const char *type, ...)
{
	struct event_arg a;
	const char *k;
	va_list ap;
	int rc = 0;

	memset(&a, 0, sizeof(a));
	a.ev.time_ms = vrd_wallclock_ms();
	if (strlen(type) > TABLES_EVENT_TYPE_MAX) {
		return -EINVAL;
	}
	strcpy(a.ev.type, type);
	va_start(ap, type);
	while (rc == 0 && (k = va_arg(ap, const char *))) {
		rc = event_field(&a.ev, k, va_arg(ap, const char *));
	}
	va_end(ap);
	if (rc == 0) {
		rc = tables_write(d->tables, event_txn, &a);
	}
	if (rc < 0) {
		log_warn("event %s not recorded: %s", type, strerror(-rc));
	}
	return rc;
}

int vrd_daemon_fib_refresh(struct vrd_daemon *d, bool force)
{
	const struct tables_fib *cur = tables_fib_current(d->fib);
	struct tables_fib *fib;
	struct tables_txn *txn;
	uint64_t t0;
	int rc;

	rc = tables_read_begin(d->tables, &txn);
	if (rc < 0) {
		return rc;
	}
	if (!force && cur &&
	    tables_fib_generation(cur) == tables_gndt_generation(txn)) {
		tables_read_end(txn);
		tables_fib_reclaim(d->fib);
		return 0;
	}
	t0 = vrd_monotonic_ns();
	rc = tables_fib_build_from_gndt(txn, &fib);
	tables_read_end(txn);
	if (rc < 0) {
		log_err("fib: rebuild failed: %s", strerror(-rc));
		return rc;
	}
	d->stats.fib_build_us_last = (vrd_monotonic_ns() - t0) / 1000;
	d->stats.fib_rebuilds++;
	tables_fib_publish(d->fib, fib);
	tables_fib_reclaim(d->fib);
	vrd_daemon_dp_routes(d);
	if (d->migrate) {
		vrd_migrate_fib(d->migrate);
	}
	log_debug("fib: %zu routes, built in %llu us", tables_fib_size(fib),
		  (unsigned long long)d->stats.fib_build_us_last);
	return 0;
}
