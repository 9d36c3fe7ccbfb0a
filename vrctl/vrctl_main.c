/*
 * vrctl: the operator's CLI (INTERFACE.md, docs/vrctl.md).
 *
 *   vrctl (-c CONF | -s SOCKET | -d STATE_DIR) [-j] [--vn N] COMMAND [ARGS]
 *   vrctl ca ...
 *
 * The command words are checked against a token table (as bgpctl's
 * parser.c) before anything is opened, so a typo is a usage error (exit 2)
 * and never reaches the daemon. With -c/-s the words go to vrd as one
 * REQUEST frame and the reply comes back as ROW frames and an END; with -d
 * the same query code runs here against a read-only open of the tables.
 * Either way the reply is rendered by vrctl/output.c.
 *
 * Exit status: 0 ok, 1 the daemon or the tables reported an error (or
 * could not be reached), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "tables/tables.h"
#include "vrd/config.h"
#include "vrctl/ctlproto.h"
#include "base/log.h"
#include "vrctl/output.h"
#include "vrctl/query.h"
#include "vrctl/row.h"

#if defined(__has_include)
#if __has_include("vrctl/vrctl_ca.h")
#include "vrctl/vrctl_ca.h"
#else
int vrctl_ca(int argc, char **argv);
#endif
#else
int vrctl_ca(int argc, char **argv);
#endif

#define EXIT_USAGE 2
#define CTL_TIMEOUT_MS 10000
#define CTL_ROWS_MAX (16u * 1024 * 1024) /* ~2 GB of rows at most */

/* ---- the command words ---------------------------------------------- */

enum token_type {
	TOK_NONE = 0, /* ends a table */
	TOK_END, /* the words may stop here */
	TOK_WORD, /* a keyword */
	TOK_IP,
	TOK_PREFIX,
	TOK_MAC,
	TOK_NAME, /* a router name */
	TOK_COUNT,
};

enum {
	CMD_DAEMON = 1 << 0, /* only the running daemon can answer */
	CMD_WRITE = 1 << 1, /* changes the tables */
	CMD_VN = 1 << 2, /* takes --vn */
};

struct token {
	enum token_type type;
	const char *word; /* the keyword, or the placeholder in messages */
	unsigned flags;
	const struct token *next;
};

static const struct token t_end[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_router[] = {
	{TOK_NAME, "ROUTER", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_prefix[] = {
	{TOK_PREFIX, "PREFIX", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_prefix_router[] = {
	{TOK_PREFIX, "PREFIX", 0, t_router},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_ip[] = {
	{TOK_IP, "IP", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_mac[] = {
	{TOK_MAC, "MAC", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_ip_mac[] = {
	{TOK_IP, "IP", 0, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_events[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_COUNT, "N", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_lndt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_prefix},
	{TOK_WORD, "del", CMD_WRITE, t_prefix},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_gndt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_prefix_router},
	{TOK_WORD, "del", CMD_WRITE, t_prefix},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_hwdt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_ip_mac},
	{TOK_WORD, "del", CMD_WRITE, t_ip},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_proxy[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_ip},
	{TOK_WORD, "del", CMD_WRITE, t_ip},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce_opt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "to", 0, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce_mac[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "to", 0, t_mac},
	{TOK_MAC, "MAC", 0, t_announce_opt},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce[] = {
	{TOK_IP, "IP", 0, t_announce_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_main[] = {
	{TOK_WORD, "status", 0, t_end},
	{TOK_WORD, "peers", CMD_DAEMON, t_end},
	{TOK_WORD, "tunnels", CMD_DAEMON, t_end},
	{TOK_WORD, "lndt", CMD_VN, t_lndt},
	{TOK_WORD, "gndt", CMD_VN, t_gndt},
	{TOK_WORD, "hwdt", CMD_VN, t_hwdt},
	{TOK_WORD, "route", CMD_VN, t_ip},
	{TOK_WORD, "events", 0, t_events},
	{TOK_WORD, "stats", CMD_DAEMON, t_end},
	{TOK_WORD, "proxy", CMD_DAEMON, t_proxy},
	{TOK_WORD, "announce", CMD_DAEMON | CMD_WRITE, t_announce},
	{TOK_WORD, "claim", CMD_DAEMON | CMD_WRITE | CMD_VN, t_ip_mac},
	{TOK_WORD, "query", CMD_DAEMON | CMD_VN, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};

static bool token_match(const struct token *t, const char *w)
{
	struct vrd_prefix p;
	struct vrd_mac mac;
	uint32_t ip;

	switch (t->type) {
	case TOK_WORD:
		return strcmp(t->word, w) == 0;
	case TOK_IP:
		return vrd_ipv4_parse(w, &ip) == 0;
	case TOK_PREFIX:
		return vrd_prefix_parse(w, &p, NULL) == 0;
	case TOK_MAC:
		return vrd_mac_parse(w, &mac) == 0;
	case TOK_NAME:
		return vrd_name_valid(w);
	case TOK_COUNT:
		return w[0] != '\0' && strspn(w, "0123456789") == strlen(w) &&
		       strlen(w) <= 19;
	default:
		return false;
	}
}

/* Why w matched nothing in table t (after the words in `before`). */
static void token_complain(const struct token *t, const char *before,
			   const char *w)
{
	const char *what = NULL;
	struct vrd_prefix p;
	const char *why = "";
	bool first = true;

	for (const struct token *e = t; e->type != TOK_NONE; e++) {
		switch (e->type) {
		case TOK_IP:
			what = "an IPv4 address";
			break;
		case TOK_PREFIX:
			vrd_prefix_parse(w, &p, &why);
			fprintf(stderr, "vrctl: %s: bad prefix '%s': %s\n",
				before, w, why);
			return;
		case TOK_MAC:
			what = "a MAC address";
			break;
		case TOK_NAME:
			what = "a router name ([A-Za-z0-9_.-]{1,32})";
			break;
		case TOK_COUNT:
			what = "a count";
			break;
		default:
			break;
		}
		if (what) {
			fprintf(stderr, "vrctl: %s: '%s' is not %s\n", before,
				w, what);
			return;
		}
	}
	if (!before[0]) {
		fprintf(stderr, "vrctl: unknown command: %s\n", w);
		return;
	}
	fprintf(stderr, "vrctl: %s: unexpected '%s'", before, w);
	for (const struct token *e = t; e->type != TOK_NONE; e++) {
		if (e->type == TOK_WORD) {
			fprintf(stderr, "%s%s", first ? " (expected " : ", ",
				e->word);
			first = false;
		}
	}
	fprintf(stderr, "%s\n", first ? "" : ")");
}

/* Checks words against the token table; the flags of the command go to
 * *flags. 0, or -EINVAL with the reason printed. */
static int words_parse(int n, char **words, unsigned *flags)
{
	const struct token *table = t_main;
	char before[64] = "";

	*flags = 0;
	for (int i = 0;; i++) {
		const struct token *match = NULL;

		if (i == n) {
			for (const struct token *e = table; e->type != TOK_NONE;
			     e++) {
				if (e->type == TOK_END) {
					return 0;
				}
			}
			if (!before[0]) {
				fprintf(stderr, "vrctl: no command\n");
			} else {
				fprintf(stderr, "vrctl: %s: missing %s\n",
					before, table->word);
			}
			return -EINVAL;
		}
		for (const struct token *e = table; e->type != TOK_NONE; e++) {
			if (e->type != TOK_END && token_match(e, words[i])) {
				match = e;
				break;
			}
		}
		if (!match) {
			token_complain(table, before, words[i]);
			return -EINVAL;
		}
		*flags |= match->flags;
		if (i < 2) {
			snprintf(before + strlen(before),
				 sizeof(before) - strlen(before), "%s%s",
				 before[0] ? " " : "", words[i]);
		}
		table = match->next;
	}
}

/* ---- options -------------------------------------------------------- */

struct opts {
	const char *conf, *sock, *dir;
	bool json;
	const char *vn; /* --vn, as given */
	int nwords;
	char *words[VRD_CTL_ARGS_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vrctl (-c CONF | -s SOCKET | -d STATE_DIR) [-j] "
		"[--vn N] COMMAND [ARGS]\n"
		"       vrctl ca init DIR\n"
		"       vrctl ca issue DIR NAME --network PREFIX ... --out "
		"DIR2\n"
		"\n"
		"commands:\n"
		"  status                     name, mode, uptime, table sizes\n"
		"  peers                      other routers (needs vrd)\n"
		"  tunnels                    the data plane per peer: path, "
		"key age,\n"
		"                             packets, bytes, drops (needs "
		"vrd)\n"
		"  lndt | gndt | hwdt         the tables (--vn N: one VN)\n"
		"  route IP                   the GNDT longest-prefix answer\n"
		"  events [N]                 the event log (its last N)\n"
		"  stats                      counters (needs vrd)\n"
		"  hwdt add IP MAC | hwdt del IP\n"
		"  lndt add PREFIX | lndt del PREFIX\n"
		"  gndt add PREFIX ROUTER | gndt del PREFIX\n"
		"                             static entries (needs vrd)\n"
		"  proxy [add IP | del IP]    proxy ARP for IP (needs vrd)\n"
		"  announce IP [MAC] [to MAC] gratuitous ARP: IP is at MAC\n"
		"                             (default: the router's), to all\n"
		"                             or to one host (needs vrd)\n"
		"  claim IP MAC               IP (with MAC) is here now: a\n"
		"                             mobility claim (needs vrd)\n"
		"  query MAC                  who in the overlay has MAC, and\n"
		"                             its IPs (needs vrd)\n"
		"\n"
		"  -c CONF    find the control socket through the config\n"
		"  -s SOCKET  the control socket\n"
		"  -d DIR     read the tables in DIR read-only\n"
		"  -j         JSON output\n"
		"  --vn N     one virtual network (route and writes: default "
		"1,\n"
		"             or the config's vn with -c)\n"
		"exit status: 0 ok, 1 error reported by vrd or the tables, "
		"2 usage\n");
}

static bool vn_valid(const char *s)
{
	char *end;
	unsigned long long v;

	if (!s[0] || strspn(s, "0123456789") != strlen(s) ||
	    (s[0] == '0' && s[1])) {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno == 0 && v < TABLES_VN_ALL;
}

/* -j and --vn may also follow the command words. */
static int words_collect(struct opts *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0) {
			o->json = true;
		} else if (strncmp(argv[i], "--vn=", 5) == 0) {
			o->vn = argv[i] + 5;
		} else if (strcmp(argv[i], "--vn") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vrctl: --vn needs a number\n");
				return -EINVAL;
			}
			o->vn = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "vrctl: unknown option: %s\n", argv[i]);
			return -EINVAL;
		} else if (o->nwords >= 8) {
			fprintf(stderr, "vrctl: too many words\n");
			return -EINVAL;
		} else {
			o->words[o->nwords++] = argv[i];
		}
	}
	return 0;
}

static int opts_parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"vn", required_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, sources;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:s:d:jh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->conf = optarg;
			break;
		case 's':
			o->sock = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'V':
			o->vn = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt) {
				fprintf(stderr, "vrctl: bad option: -%c\n",
					optopt);
			} else {
				fprintf(stderr, "vrctl: bad option: %s\n",
					argv[optind - 1]);
			}
			return -EINVAL;
		}
	}
	if (words_collect(o, argc - optind, argv + optind) < 0) {
		return -EINVAL;
	}
	sources = !!o->conf + !!o->sock + !!o->dir;
	if (sources != 1) {
		fprintf(stderr, "vrctl: give exactly one of -c, -s, -d\n");
		return -EINVAL;
	}
	if (o->vn && !vn_valid(o->vn)) {
		fprintf(stderr, "vrctl: bad virtual network: %s\n", o->vn);
		return -EINVAL;
	}
	return 0;
}

/* ---- talking to vrd ------------------------------------------------- */

static int ctl_connect(const char *path, int *out)
{
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_MS / 1000};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	/* connect() on a Unix socket waits for a full backlog this long */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT
							      : -errno;
		goto close_fd;
	}
	*out = fd;
	return 0;

close_fd:
	close(fd);
	return err;
}

static int ctl_wait(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do {
		n = poll(&p, 1, CTL_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	return n == 0 ? -ETIMEDOUT : 0;
}

static int ctl_send(int fd, const struct vrd_buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n;
		int err = ctl_wait(fd, POLLOUT);

		if (err < 0) {
			return err;
		}
		n = send(fd, b->data + off, b->len - off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * Takes the whole frames at the start of b into rep: each ROW body is
 * checked and appended to the reply's encoded rows as it is. 1 when the
 * END came, 0 when more bytes are needed, -EBADMSG for a bad frame,
 * -E2BIG for too many rows, -ENOMEM.
 */
static int reply_take(struct vrd_buf *b, struct vrd_reply *rep)
{
	size_t off = 0;
	int err = 0;

	while (err == 0) {
		const uint8_t *body;
		size_t blen;
		uint8_t type;
		long n = vrd_ctl_frame(b->data + off, b->len - off, &type,
				       &body, &blen);

		if (n <= 0) {
			err = (int)n;
			break;
		}
		switch (type) {
		case VRD_CTL_ROW:
			if (rep->nrows >= CTL_ROWS_MAX) {
				return -E2BIG;
			}
			err = vrd_reply_append(rep, body, blen);
			break;
		case VRD_CTL_END:
			err = vrd_ctl_parse_end(body, blen, rep);
			if (err == 0) {
				return 1;
			}
			break;
		default:
			err = -EBADMSG;
			break;
		}
		off += (size_t)n;
	}
	/* once for all the frames taken, not once per frame */
	vrd_buf_consume(b, off);
	return err;
}

static int ctl_recv(int fd, struct vrd_reply *rep)
{
	struct vrd_buf b = {0};
	int err;

	for (;;) {
		ssize_t n;

		err = ctl_wait(fd, POLLIN);
		if (err < 0) {
			break;
		}
		err = vrd_buf_reserve(&b, 64 * 1024);
		if (err < 0) {
			break;
		}
		n = recv(fd, b.data + b.len, b.cap - b.len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			err = -errno;
			break;
		}
		if (n == 0) {
			err = -ECONNRESET;
			break;
		}
		b.len += (size_t)n;
		err = reply_take(&b, rep);
		if (err != 0) {
			break;
		}
	}
	vrd_buf_free(&b);
	return err < 0 ? err : 0;
}

static int run_daemon(const char *path, int argc, char **argv,
		      struct vrd_reply *rep)
{
	struct vrd_buf b = {0};
	int fd = -1, err;

	err = vrd_ctl_put_request(&b, argc, argv);
	if (err < 0) {
		fprintf(stderr, "vrctl: request: %s\n", strerror(-err));
		goto free_buf;
	}
	err = ctl_connect(path, &fd);
	if (err < 0) {
		fprintf(stderr, "vrctl: cannot connect to %s: %s\n", path,
			strerror(-err));
		goto free_buf;
	}
	err = ctl_send(fd, &b);
	if (err < 0) {
		fprintf(stderr, "vrctl: %s: send: %s\n", path, strerror(-err));
		goto close_fd;
	}
	err = ctl_recv(fd, rep);
	if (err == -EBADMSG) {
		fprintf(stderr, "vrctl: %s: malformed reply from vrd\n", path);
	} else if (err == -E2BIG) {
		fprintf(stderr, "vrctl: %s: reply has more than %u rows\n",
			path, CTL_ROWS_MAX);
	} else if (err == -ETIMEDOUT) {
		fprintf(stderr, "vrctl: %s: no answer from vrd within %d s\n",
			path, CTL_TIMEOUT_MS / 1000);
	} else if (err == -ECONNRESET) {
		fprintf(stderr,
			"vrctl: %s: vrd closed the connection before "
			"its reply ended\n",
			path);
	} else if (err < 0) {
		fprintf(stderr, "vrctl: %s: %s\n", path, strerror(-err));
	}

close_fd:
	close(fd);
free_buf:
	vrd_buf_free(&b);
	return err;
}

/* ---- reading the tables --------------------------------------------- */

static int run_local(const char *dir, int argc, char **argv,
		     struct vrd_reply *rep)
{
	struct tables_options topt = {.read_only = true};
	struct vrd_ctl_request req = {.argc = argc};
	struct tables *t;
	int err;

	for (int i = 0; i < argc; i++) {
		snprintf(req.argv[i], sizeof(req.argv[i]), "%s", argv[i]);
	}
	err = tables_open(&t, dir, &topt);
	if (err < 0) {
		fprintf(stderr, "vrctl: %s: %s\n", dir,
			err == -ENOENT ? "no vrd tables here" : strerror(-err));
		return err;
	}
	vrd_query_run(t, NULL, &req, rep);
	tables_close(t);
	return 0;
}

/* ---- main ----------------------------------------------------------- */

/* Where "ca" is the first command word, or 0. */
static int ca_word(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			return strcmp(argv[i], "ca") == 0 ? i : 0;
		}
		if (argv[i][1] && strchr("csd", argv[i][1]) && !argv[i][2]) {
			i++; /* skip the option's argument */
		} else if (strcmp(argv[i], "--vn") == 0) {
			i++;
		}
	}
	return 0;
}

/* Whether the command fits the options: 0, or the exit status. */
static int command_check(const struct opts *o, unsigned flags)
{
	if (o->vn && !(flags & CMD_VN)) {
		fprintf(stderr, "vrctl: --vn does not apply to %s\n",
			o->words[0]);
		return EXIT_USAGE;
	}
	if (o->dir && (flags & CMD_DAEMON)) {
		fprintf(stderr,
			"vrctl: %s needs the running daemon (-c or -s)\n",
			o->words[0]);
		return 1;
	}
	if (o->dir && (flags & CMD_WRITE)) {
		fprintf(stderr, "vrctl: -d is read-only\n");
		return 1;
	}
	return 0;
}

/* -c: the socket and the default VN from the config. */
static int config_apply(struct opts *o, unsigned flags, struct vrd_config *cfg,
			char vnbuf[16])
{
	char err[VRD_CONFIG_ERR_MAX];

	if (vrd_config_load(o->conf, cfg, err) < 0) {
		fprintf(stderr, "vrctl: %s\n", err);
		return -EINVAL;
	}
	o->sock = cfg->control;
	/* route and writes apply to the router's own VN */
	if (!o->vn && (flags & CMD_VN) &&
	    (flags & CMD_WRITE || strcmp(o->words[0], "route") == 0)) {
		snprintf(vnbuf, 16, "%u", (unsigned)cfg->vn);
		o->vn = vnbuf;
	}
	return 0;
}

/* Asks vrd or the tables; renders the reply. Returns the exit status. */
static int command_run(const struct opts *o, const struct vrd_config *cfg)
{
	char *req[VRD_CTL_ARGS_MAX];
	struct vrd_reply rep;
	int nreq = 0, err, rc = 1;

	for (int i = 0; i < o->nwords; i++) {
		req[nreq++] = o->words[i];
	}
	if (o->vn) {
		req[nreq++] = "--vn";
		req[nreq++] = (char *)o->vn;
	}
	vrd_reply_init(&rep, VRD_REPLY_NONE);
	if (o->dir) {
		err = run_local(o->dir, nreq, req, &rep);
	} else {
		err = run_daemon(o->sock, nreq, req, &rep);
		if (o->conf && (err == -ENOENT || err == -ECONNREFUSED)) {
			fprintf(stderr,
				"vrctl: is vrd running? -d %s reads the tables "
				"without it\n",
				cfg->state_dir);
		}
	}
	if (err < 0) {
		goto free_reply;
	}
	if (rep.status != 0) {
		fprintf(stderr, "vrctl: %s\n",
			rep.message[0] ? rep.message : strerror(-rep.status));
		goto free_reply;
	}
	if (vrd_output_reply(stdout, &rep, o->json) < 0) {
		fprintf(stderr, "vrctl: cannot write the output\n");
		goto free_reply;
	}
	rc = 0;

free_reply:
	vrd_reply_free(&rep);
	return rc;
}

int main(int argc, char **argv)
{
	static struct vrd_config cfg;
	struct opts o = {0};
	char vnbuf[16];
	unsigned flags;
	int ca, rc;

	vrd_log_set_ident("vrctl");
	vrd_log_set_level(VRD_LOG_WARN);
	/* "ca" is a command of its own, with options of its own */
	ca = ca_word(argc, argv);
	if (ca > 0) {
		return vrctl_ca(argc - ca, argv + ca);
	}
	if (opts_parse(&o, argc, argv) < 0 ||
	    words_parse(o.nwords, o.words, &flags) < 0) {
		fprintf(stderr, "vrctl: -h for help\n");
		return EXIT_USAGE;
	}
	rc = command_check(&o, flags);
	if (rc != 0) {
		return rc;
	}
	if (o.conf && config_apply(&o, flags, &cfg, vnbuf) < 0) {
		return 1;
	}
	return command_run(&o, &cfg);
}
