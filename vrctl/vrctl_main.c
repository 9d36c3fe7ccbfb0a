/*
 * vrctl: the operator's CLI (INTERFACE.md, docs/vrctl.md).
 *
 *   vrctl (-c CONF | -s SOCKET | -d STATE_DIR) [-j] [--vn N] COMMAND [ARGS]
 *   vrctl ca ...
 *
 * The command words are checked against a token table (vrctl/tokens.c)
 * before anything is opened, so a typo is a usage error (exit 2) and never
 * reaches the daemon. With -c/-s the words go to vrd as one REQUEST frame
 * and the reply comes back as ROW frames and an END (vrctl/client.c); with
 * -d the same query code runs here against a read-only open of the tables.
 * Either way the reply is rendered by vrctl/output.c.
 *
 * Exit status: 0 ok, 1 the daemon or the tables reported an error (or
 * could not be reached), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "tables/tables.h"
#include "vrctl/client.h"
#include "vrctl/ctlproto.h"
#include "vrctl/output.h"
#include "vrctl/query.h"
#include "vrctl/row.h"
#include "vrctl/tokens.h"
#include "vrctl/vrctl_ca.h"
/* -c: the daemon's config, read with the daemon's own parser */
#include "vrd/config.h"

#define EXIT_USAGE 2

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
			err == -ENOENT	  ? "no vrd tables here"
			: err == -EUCLEAN ? "the tables are damaged (above)"
					  : strerror(-err));
		return err;
	}
	vrd_query_run(t, NULL, NULL, &req, rep);
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
		err = vrctl_client_run(o->sock, nreq, req, &rep);
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
	    vrctl_words_parse(o.nwords, o.words, &flags) < 0) {
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
