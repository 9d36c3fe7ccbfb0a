/*
 * Table commands (vrctl/query.h), shared by the daemon and vrctl -d.
 *
 * A request is the command word, then positional words, with an optional
 * "--vn N" pair anywhere after the command word:
 *
 *   lndt | gndt | hwdt [--vn N]     list (default: every VN)
 *   events [N]                      the event log, or its last N entries
 *   route IP [--vn N]               the GNDT longest-prefix answer (vn 1)
 *   status                          name, mode, table sizes, map size
 *   hwdt add IP MAC | hwdt del IP   static entries (vn 1 unless --vn)
 *   lndt add PREFIX | lndt del PREFIX
 *   gndt add PREFIX ROUTER | gndt del PREFIX
 *
 * A write also appends a "static" event naming what changed, so the event
 * log answers "who put this entry here".
 */
#include "vrctl/query.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"

struct query {
	struct tables *t;
	const struct tables_fib *fib; /* borrowed; may be NULL */
	const struct vrd_prefix *lan; /* borrowed; may be NULL */
	struct vrd_reply *rep;
	const char *cmd;
	uint32_t vn; /* TABLES_VN_ALL when not given */
	bool vn_given;
	int nargs; /* positional words after cmd */
	const char *args[VRD_CTL_ARGS_MAX];
};

/* Strict decimal: digits only, no sign, no leading zero, <= max. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned d = (unsigned)(s[n] - '0');

		if (v > (max - d) / 10) {
			return -EINVAL;
		}
		v = v * 10 + d;
	}
	if (n == 0 || s[n] != '\0' || (n > 1 && s[0] == '0')) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int query_parse(struct query *q, const struct vrd_ctl_request *req)
{
	q->cmd = req->argv[0];
	q->vn = TABLES_VN_ALL;
	for (int i = 1; i < req->argc; i++) {
		const char *w = req->argv[i];
		uint64_t vn;

		if (strcmp(w, "--vn") != 0) {
			q->args[q->nargs++] = w;
			continue;
		}
		if (q->vn_given || i + 1 >= req->argc) {
			return vrd_reply_error(q->rep, -EINVAL,
					       "--vn takes one number");
		}
		w = req->argv[++i];
		if (parse_uint(w, TABLES_VN_ALL - 1, &vn) < 0) {
			return vrd_reply_error(q->rep, -EINVAL,
					       "bad virtual network: %s", w);
		}
		q->vn = (uint32_t)vn;
		q->vn_given = true;
	}
	return 0;
}

/* The VN a lookup or a write applies to: --vn, or the config's default. */
static uint32_t query_vn(const struct query *q)
{
	return q->vn_given ? q->vn : VRD_VN_DEFAULT;
}

static int table_error(struct query *q, int err)
{
	vrd_reply_free(q->rep);
	return vrd_reply_error(q->rep, err, "%s: %s", q->cmd, strerror(-err));
}

/* ---- lists ---------------------------------------------------------- */

static int add_lndt(const struct tables_lndt_entry *e, void *arg)
{
	struct vrd_row *r = vrd_reply_row(arg);

	if (!r) {
		return -ENOMEM;
	}
	vrd_row_from_lndt(r, e);
	return 0;
}

static int add_gndt(const struct tables_gndt_entry *e, void *arg)
{
	struct vrd_row *r = vrd_reply_row(arg);

	if (!r) {
		return -ENOMEM;
	}
	vrd_row_from_gndt(r, e);
	return 0;
}

static int add_hwdt(const struct tables_hwdt_entry *e, void *arg)
{
	struct vrd_row *r = vrd_reply_row(arg);

	if (!r) {
		return -ENOMEM;
	}
	vrd_row_from_hwdt(r, e);
	return 0;
}

static int run_list(struct query *q)
{
	struct tables_txn *txn;
	int err;

	q->rep->kind = VRD_REPLY_TABLE;
	err = tables_read_begin(q->t, &txn);
	if (err < 0) {
		return table_error(q, err);
	}
	if (strcmp(q->cmd, "lndt") == 0) {
		err = tables_lndt_foreach(txn, q->vn, add_lndt, q->rep);
	} else if (strcmp(q->cmd, "gndt") == 0) {
		err = tables_gndt_foreach(txn, q->vn, add_gndt, q->rep);
	} else {
		err = tables_hwdt_foreach(txn, q->vn, add_hwdt, q->rep);
	}
	tables_read_end(txn);
	if (err < 0) {
		return table_error(q, err);
	}
	return 0;
}

struct events_walk {
	struct vrd_reply *rep;
	uint64_t skip; /* oldest events left out */
};

static int add_event(const struct tables_event *ev, void *arg)
{
	struct events_walk *w = arg;
	struct vrd_row *r;

	if (w->skip > 0) {
		w->skip--;
		return 0;
	}
	r = vrd_reply_row(w->rep);
	if (!r) {
		return -ENOMEM;
	}
	vrd_row_from_event(r, ev);
	return 0;
}

static int run_events(struct query *q)
{
	struct events_walk w = {.rep = q->rep};
	struct tables_counts counts;
	struct tables_txn *txn;
	uint64_t last = UINT64_MAX;
	int err;

	q->rep->kind = VRD_REPLY_TABLE;
	q->rep->fixed = 3; /* time, id, type; the event's fields vary */
	if (q->vn_given) {
		return vrd_reply_error(q->rep, -EINVAL,
				       "events: --vn does not apply");
	}
	if (q->nargs == 1 && parse_uint(q->args[0], UINT64_MAX, &last) < 0) {
		return vrd_reply_error(q->rep, -EINVAL, "events: bad count: %s",
				       q->args[0]);
	}
	err = tables_read_begin(q->t, &txn);
	if (err < 0) {
		return table_error(q, err);
	}
	if (last != UINT64_MAX) {
		err = tables_count(txn, &counts);
		if (err == 0 && counts.events > last) {
			w.skip = counts.events - last;
		}
	}
	if (err == 0) {
		err = tables_event_foreach(txn, 0, add_event, &w);
	}
	tables_read_end(txn);
	if (err < 0) {
		return table_error(q, err);
	}
	return 0;
}

/* ---- route ---------------------------------------------------------- */

/* ip, then the route's fields as the gndt command shows them. */
static int route_row(struct query *q, const char *ip,
		     const struct tables_fib_route *route)
{
	static const char *const copy[] = {"prefix", "router", "seq", "vn",
					   "origin"};
	struct tables_gndt_entry e = {
		.vn = route->vn,
		.prefix = route->prefix,
		.seq = route->seq,
		.origin = route->origin,
	};
	struct vrd_row g, *r;

	memcpy(e.router, route->router, sizeof(e.router));
	e.router[VRD_NAME_MAX] = '\0';
	vrd_row_from_gndt(&g, &e);
	r = vrd_reply_row(q->rep);
	if (!r) {
		return table_error(q, -ENOMEM);
	}
	vrd_row_add_str(r, "ip", "%s", ip);
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		r->f[r->n++] = *vrd_row_find(&g, copy[i]);
	}
	return 0;
}

static int run_route(struct query *q)
{
	const struct tables_fib_route *route;
	struct tables_fib *own = NULL;
	uint32_t ip, vn = query_vn(q);
	int err;

	q->rep->kind = VRD_REPLY_TABLE;
	if (vrd_ipv4_parse(q->args[0], &ip) < 0) {
		return vrd_reply_error(q->rep, -EINVAL,
				       "route: not an IPv4 address: %s",
				       q->args[0]);
	}
	if (!q->fib) {
		struct tables_txn *txn;

		err = tables_read_begin(q->t, &txn);
		if (err < 0) {
			return table_error(q, err);
		}
		err = tables_fib_build_from_gndt(txn, &own);
		tables_read_end(txn);
		if (err < 0) {
			return table_error(q, err);
		}
	}
	route = tables_fib_lookup(q->fib ? q->fib : own, vn, ip);
	if (!route) {
		err = vrd_reply_error(q->rep, -EHOSTUNREACH,
				      "no route to %s in vn %u", q->args[0],
				      (unsigned)vn);
	} else {
		err = route_row(q, q->args[0], route);
	}
	tables_fib_destroy(own);
	return err;
}

/* ---- status --------------------------------------------------------- */

static void add_meta(struct vrd_row *row, struct tables_txn *txn,
		     const char *key, const char *field)
{
	char buf[TABLES_META_VALUE_MAX];

	if (tables_meta_get(txn, key, buf) == 0) {
		vrd_row_add_str(row, field, "%.*s", VRD_FIELD_STR_MAX, buf);
	} else {
		vrd_row_add_null(row, field);
	}
}

int vrd_query_status(struct tables *t, struct vrd_row *row)
{
	struct tables_counts c;
	struct tables_stats st;
	struct tables_txn *txn;
	int err;

	err = tables_read_begin(t, &txn);
	if (err < 0) {
		return err;
	}
	err = tables_count(txn, &c);
	if (err == 0) {
		add_meta(row, txn, "router", "name");
		add_meta(row, txn, "mode", "mode");
	}
	tables_read_end(txn);
	if (err < 0) {
		return err;
	}
	tables_get_stats(t, &st);
	vrd_row_add_u64(row, "lndt", c.lndt);
	vrd_row_add_u64(row, "gndt", c.gndt);
	vrd_row_add_u64(row, "hwdt", c.hwdt);
	vrd_row_add_u64(row, "events", c.events);
	vrd_row_add_u64(row, "map_size", st.map_size);
	return 0;
}

static int run_status(struct query *q)
{
	struct vrd_row *row;
	int err;

	q->rep->kind = VRD_REPLY_OBJECT;
	row = vrd_reply_row(q->rep);
	if (!row) {
		return table_error(q, -ENOMEM);
	}
	err = vrd_query_status(q->t, row);
	if (err < 0) {
		return table_error(q, err);
	}
	return 0;
}

/* ---- writes --------------------------------------------------------- */

enum write_op {
	WRITE_HWDT_ADD = 1,
	WRITE_HWDT_DEL,
	WRITE_LNDT_ADD,
	WRITE_LNDT_DEL,
	WRITE_GNDT_ADD,
	WRITE_GNDT_DEL,
};

struct write {
	enum write_op op;
	uint32_t vn;
	uint32_t ip;
	struct vrd_mac mac;
	struct vrd_prefix prefix;
	char router[VRD_NAME_MAX + 1];
	uint64_t now;
	const char *key; /* the IP or prefix as given */
	uint64_t seq; /* out: gndt add */
	uint8_t existing; /* out: lndt add, the source already there */
};

/* The "static" event for a write, inside its transaction. */
static int write_event(struct tables_txn *txn, const struct write *w)
{
	static const char *const tables[] = {
		[WRITE_HWDT_ADD] = "hwdt", [WRITE_HWDT_DEL] = "hwdt",
		[WRITE_LNDT_ADD] = "lndt", [WRITE_LNDT_DEL] = "lndt",
		[WRITE_GNDT_ADD] = "gndt", [WRITE_GNDT_DEL] = "gndt",
	};
	struct tables_event ev = {.time_ms = w->now};
	char mac[VRD_MAC_STRLEN], ip[VRD_IPV4_STRLEN];
	char prefix[VRD_PREFIX_STRLEN];
	bool hwdt = w->op == WRITE_HWDT_ADD || w->op == WRITE_HWDT_DEL;
	bool add = w->op == WRITE_HWDT_ADD || w->op == WRITE_LNDT_ADD ||
		   w->op == WRITE_GNDT_ADD;
	int err;

	snprintf(ev.type, sizeof(ev.type), "static");
	err = tables_event_set(&ev, "table", "%s", tables[w->op]);
	if (err == 0) {
		err = tables_event_set(&ev, "op", "%s", add ? "add" : "del");
	}
	if (err == 0) {
		err = tables_event_set(&ev, "vn", "%u", (unsigned)w->vn);
	}
	if (err == 0 && hwdt) {
		err = tables_event_set(&ev, "ip", "%s",
				       vrd_ipv4_format(w->ip, ip));
	}
	if (err == 0 && !hwdt) {
		err = tables_event_set(&ev, "prefix", "%s",
				       vrd_prefix_format(&w->prefix, prefix));
	}
	if (err == 0 && w->op == WRITE_HWDT_ADD) {
		err = tables_event_set(&ev, "mac", "%s",
				       vrd_mac_format(&w->mac, mac));
	}
	if (err == 0 && w->op == WRITE_GNDT_ADD) {
		err = tables_event_set(&ev, "router", "%s", w->router);
	}
	if (err == 0 && w->op == WRITE_GNDT_ADD) {
		err = tables_event_set(&ev, "seq", "%llu",
				       (unsigned long long)w->seq);
	}
	if (err == 0) {
		err = tables_event_add(txn, &ev);
	}
	return err;
}

static int write_gndt_add(struct tables_txn *txn, struct write *w)
{
	struct tables_gndt_entry e, old;
	int err;

	err = tables_gndt_get(txn, w->vn, &w->prefix, &old);
	if (err < 0 && err != -ENOENT) {
		return err;
	}
	memset(&e, 0, sizeof(e));
	e.vn = w->vn;
	e.prefix = w->prefix;
	memcpy(e.router, w->router, sizeof(e.router));
	e.seq = err == 0 ? old.seq + 1 : 1;
	e.origin = TABLES_GNDT_STATIC;
	e.created_ms = w->now;
	e.updated_ms = w->now;
	w->seq = e.seq;
	return tables_gndt_put(txn, &e);
}

static int write_run(struct tables_txn *txn, void *arg)
{
	struct write *w = arg;
	struct tables_lndt_entry le;
	struct tables_hwdt_entry he;
	int err = 0;

	w->existing = 0;
	switch (w->op) {
	case WRITE_HWDT_ADD:
		memset(&he, 0, sizeof(he));
		he.vn = w->vn;
		he.ip = w->ip;
		he.mac = w->mac;
		he.source = TABLES_HWDT_STATIC;
		he.first_seen_ms = w->now;
		he.last_seen_ms = w->now;
		err = tables_hwdt_learn(txn, &he, NULL);
		break;
	case WRITE_HWDT_DEL:
		err = tables_hwdt_del(txn, w->vn, w->ip);
		break;
	case WRITE_LNDT_ADD:
		err = tables_lndt_get(txn, w->vn, &w->prefix, &le);
		if (err == 0) {
			w->existing = le.source;
			return -EEXIST;
		}
		if (err != -ENOENT) {
			return err;
		}
		memset(&le, 0, sizeof(le));
		le.vn = w->vn;
		le.prefix = w->prefix;
		le.source = TABLES_LNDT_STATIC;
		le.added_ms = w->now;
		err = tables_lndt_put(txn, &le);
		break;
	case WRITE_LNDT_DEL:
		err = tables_lndt_del(txn, w->vn, &w->prefix);
		break;
	case WRITE_GNDT_ADD:
		err = write_gndt_add(txn, w);
		break;
	case WRITE_GNDT_DEL:
		err = tables_gndt_del(txn, w->vn, &w->prefix);
		break;
	}
	if (err < 0) {
		return err;
	}
	return write_event(txn, w);
}

/* Why an added entry may not hold p: a route that would catch the
 * default, broadcast or multicast traffic, or a host route to an address
 * no station has. NULL when it may. */
static const char *route_why_not(const struct vrd_prefix *p,
				 const struct vrd_prefix *lan)
{
	const char *why = vrd_prefix_why_not_route(p);

	if (!why && p->len == 32) {
		why = vrd_ipv4_why_not_host(p->addr, lan);
	}
	return why;
}

/* The add checks; del stays open, so an entry written before them (or
 * by an older vrd) can still be removed. */
static int write_check(struct query *q, const struct write *w)
{
	const char *why = NULL;
	char m[VRD_MAC_STRLEN];

	switch (w->op) {
	case WRITE_HWDT_ADD:
		why = vrd_ipv4_why_not_host(w->ip, q->lan);
		if (!why && vrd_mac_why_not_unicast(&w->mac)) {
			return vrd_reply_error(
				q->rep, -EINVAL, "%s: %s is %s, not a station",
				q->cmd, vrd_mac_format(&w->mac, m),
				vrd_mac_why_not_unicast(&w->mac));
		}
		break;
	case WRITE_LNDT_ADD:
	case WRITE_GNDT_ADD:
		why = route_why_not(&w->prefix, q->lan);
		break;
	default:
		break;
	}
	if (why) {
		return vrd_reply_error(q->rep, -EINVAL,
				       "%s add %s: refused: %s", q->cmd, w->key,
				       why);
	}
	return 0;
}

/* Fills w from the positional words after "add"/"del"; -EINVAL with the
 * operator's message in q->rep. */
static int write_parse(struct query *q, struct write *w)
{
	const char *why = "";
	const char *table = q->cmd;

	w->key = q->args[1];
	if (w->op == WRITE_HWDT_ADD || w->op == WRITE_HWDT_DEL) {
		if (vrd_ipv4_parse(q->args[1], &w->ip) < 0) {
			return vrd_reply_error(q->rep, -EINVAL,
					       "%s: not an IPv4 address: %s",
					       table, q->args[1]);
		}
	} else if (vrd_prefix_parse(q->args[1], &w->prefix, &why) < 0) {
		return vrd_reply_error(q->rep, -EINVAL, "%s: bad prefix %s: %s",
				       table, q->args[1], why);
	}
	if (w->op == WRITE_HWDT_ADD) {
		if (vrd_mac_parse(q->args[2], &w->mac) < 0) {
			return vrd_reply_error(q->rep, -EINVAL,
					       "%s: not a MAC address: %s",
					       table, q->args[2]);
		}
	}
	if (w->op == WRITE_GNDT_ADD) {
		if (!vrd_name_valid(q->args[2])) {
			return vrd_reply_error(q->rep, -EINVAL,
					       "%s: bad router name: %s (want "
					       "[A-Za-z0-9_.-]{1,32})",
					       table, q->args[2]);
		}
		snprintf(w->router, sizeof(w->router), "%s", q->args[2]);
	}
	return write_check(q, w);
}

/* The source of an entry, for messages: never NULL. */
static const char *lndt_source(uint8_t s)
{
	const char *name = tables_lndt_source_name(s);

	return name ? name : "unknown";
}

static int run_write(struct query *q)
{
	struct write w;
	bool add = strcmp(q->args[0], "add") == 0;
	int err;

	memset(&w, 0, sizeof(w));
	q->rep->kind = VRD_REPLY_NONE;
	if (strcmp(q->cmd, "hwdt") == 0) {
		w.op = add ? WRITE_HWDT_ADD : WRITE_HWDT_DEL;
	} else if (strcmp(q->cmd, "lndt") == 0) {
		w.op = add ? WRITE_LNDT_ADD : WRITE_LNDT_DEL;
	} else {
		w.op = add ? WRITE_GNDT_ADD : WRITE_GNDT_DEL;
	}
	w.vn = query_vn(q);
	w.now = vrd_wallclock_ms();
	err = write_parse(q, &w);
	if (err < 0) {
		return err;
	}
	err = tables_write(q->t, write_run, &w);
	if (err == -ENOENT && !add) {
		return vrd_reply_error(q->rep, err,
				       "%s: no entry for %s in vn %u", q->cmd,
				       w.key, (unsigned)w.vn);
	}
	if (err == -EEXIST) {
		return vrd_reply_error(
			q->rep, err, "%s: %s is already in vn %u (source %s)",
			q->cmd, w.key, (unsigned)w.vn, lndt_source(w.existing));
	}
	if (err < 0) {
		return table_error(q, err);
	}
	return 0;
}

/* ---- dispatch ------------------------------------------------------- */

/* The command words: the command, an optional sub-word, how many words
 * follow it (sub-word included), and the usage shown when they do not. */
static const struct command {
	const char *word;
	const char *sub;
	int min, max;
	int (*run)(struct query *q);
	const char *usage;
} commands[] = {
	{"lndt", NULL, 0, 0, run_list, "lndt [--vn N]"},
	{"gndt", NULL, 0, 0, run_list, "gndt [--vn N]"},
	{"hwdt", NULL, 0, 0, run_list, "hwdt [--vn N]"},
	{"events", NULL, 0, 1, run_events, "events [N]"},
	{"route", NULL, 1, 1, run_route, "route IP [--vn N]"},
	{"status", NULL, 0, 0, run_status, "status"},
	{"hwdt", "add", 3, 3, run_write, "hwdt add IP MAC [--vn N]"},
	{"hwdt", "del", 2, 2, run_write, "hwdt del IP [--vn N]"},
	{"lndt", "add", 2, 2, run_write, "lndt add PREFIX [--vn N]"},
	{"lndt", "del", 2, 2, run_write, "lndt del PREFIX [--vn N]"},
	{"gndt", "add", 3, 3, run_write, "gndt add PREFIX ROUTER [--vn N]"},
	{"gndt", "del", 2, 2, run_write, "gndt del PREFIX [--vn N]"},
};

int vrd_query_run(struct tables *t, const struct tables_fib *fib,
		  const struct vrd_prefix *lan,
		  const struct vrd_ctl_request *req, struct vrd_reply *rep)
{
	const size_t n = sizeof(commands) / sizeof(commands[0]);
	const struct command *usage = NULL;
	struct query q = {.t = t, .fib = fib, .lan = lan, .rep = rep};
	int err;

	vrd_reply_init(rep, VRD_REPLY_NONE);
	if (req->argc < 1) {
		return vrd_reply_error(rep, -ENOENT, "unknown command");
	}
	err = query_parse(&q, req);
	if (err < 0) {
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		const struct command *c = &commands[i];

		if (strcmp(c->word, q.cmd) != 0) {
			continue;
		}
		if (c->sub && (q.nargs < 1 || strcmp(c->sub, q.args[0]) != 0)) {
			continue;
		}
		if (q.nargs >= c->min && q.nargs <= c->max) {
			return c->run(&q);
		}
		usage = c;
	}
	if (usage) {
		return vrd_reply_error(rep, -EINVAL, "usage: %s", usage->usage);
	}
	return vrd_reply_error(rep, -ENOENT, "unknown command: %.64s", q.cmd);
}
