/*
 * vrctl ca init DIR
 * vrctl ca issue DIR NAME --network PREFIX [...] [--visitors PREFIX ...]
 *               --out DIR2 [options]
 * vrctl ca show CERT [--ca CA.pub]
 *
 * The CA's key never leaves DIR; DIR2 receives what a router needs: its
 * key (0600), its certificate and a copy of the CA public key.
 */
#include "vrctl/vrctl_ca.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gossip/cert.h"
#include "base/addr.h"
#include "base/clock.h"

#define EXIT_USAGE 2
#define DAY_S 86400ULL
#define DAYS_MAX 36500ULL
#define SKEW_S 300 /* not_before is backdated this much for clock skew */
#define ERR_MAX 512

struct issue_args {
	const char *dir, *name, *out;
	struct vrd_prefix networks[GOSSIP_CERT_NETWORKS_MAX];
	unsigned nnetworks;
	uint32_t vns[GOSSIP_CERT_VNS_MAX];
	unsigned nvns;
	struct vrd_prefix visitors[GOSSIP_CERT_VISITORS_MAX];
	unsigned nvisitors;
	uint64_t days;
	uint64_t expires; /* 0: now + days */
	bool renew, force;
};

static int usage(void)
{
	fprintf(stderr, "usage: vrctl ca init DIR\n"
			"       vrctl ca issue DIR NAME --network PREFIX "
			"[--network PREFIX ...] --out DIR2\n"
			"                [--visitors PREFIX ...] [--vn N ...] "
			"[--days N | --expires RFC3339]\n"
			"                [--renew | --force]\n"
			"       vrctl ca show CERT [--ca CA.pub]\n");
	return EXIT_USAGE;
}

static int path_join(char out[PATH_MAX], const char *dir, const char *file,
		     const char *ext)
{
	if (snprintf(out, PATH_MAX, "%s/%s%s", dir, file, ext) >= PATH_MAX) {
		fprintf(stderr, "vrctl: ca: path too long: %s/%s%s\n", dir,
			file, ext);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* mkdir -p, mode 0700 for what it creates. */
static int dir_make(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		fprintf(stderr, "vrctl: ca: bad folder name '%s'\n", path);
		return -EINVAL;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0') {
			continue;
		}
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "vrctl: ca: mkdir %s: %s\n", buf,
				strerror(errno));
			return -errno;
		}
		buf[i] = i < len ? '/' : '\0';
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vrctl: ca: %s is not a folder\n", path);
		return -ENOTDIR;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > max) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int digits(const char **sp, unsigned n, int *out)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		char c = (*sp)[i];

		if (c < '0' || c > '9') {
			return -EINVAL;
		}
		v = v * 10 + (c - '0');
	}
	*sp += n;
	*out = v;
	return 0;
}

static int expect(const char **sp, const char *chars)
{
	if (**sp == '\0' || !strchr(chars, **sp)) {
		return -EINVAL;
	}
	(*sp)++;
	return 0;
}

/* "2027-01-31T12:00:00Z", optional fraction, "Z" or "+HH:MM"/"-HH:MM". */
static int rfc3339_parse(const char *s, uint64_t *out)
{
	struct tm tm = {0}, back;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (digits(&s, 4, &y) < 0 || expect(&s, "-") < 0 ||
	    digits(&s, 2, &mo) < 0 || expect(&s, "-") < 0 ||
	    digits(&s, 2, &d) < 0 || expect(&s, "Tt ") < 0 ||
	    digits(&s, 2, &h) < 0 || expect(&s, ":") < 0 ||
	    digits(&s, 2, &mi) < 0 || expect(&s, ":") < 0 ||
	    digits(&s, 2, &sec) < 0) {
		return -EINVAL;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9') {
			return -EINVAL;
		}
		while (*s >= '0' && *s <= '9') {
			s++; /* fractions of a second are dropped */
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) < 0 || expect(&s, ":") < 0 ||
		    digits(&s, 2, &om) < 0 || oh > 23 || om > 59) {
			return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 59) {
		return -EINVAL;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm() normalises Feb 30 to Mar 2: refuse what moved */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d) {
		return -EINVAL;
	}
	t -= (time_t)sign * (oh * 3600 + om * 60);
	if (t <= 0) {
		return -EINVAL;
	}
	*out = (uint64_t)t;
	return 0;
}

/* "--opt VALUE" or "--opt=VALUE": the value, or NULL if argv[*i] is not
 * opt. *i moves past what was used; *missing says the value was absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt,
			     bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n) != 0) {
		return NULL;
	}
	if (a[n] == '=') {
		return a + n + 1;
	}
	if (a[n] != '\0') {
		return NULL;
	}
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	*i += 1;
	return argv[*i];
}

/* A prefix of option opt into list (n of max). */
static int prefix_option(const char *opt, const char *v,
			 struct vrd_prefix *list, unsigned *n, unsigned max)
{
	const char *why = "";
	struct vrd_prefix p;

	if (vrd_prefix_parse(v, &p, &why) < 0) {
		fprintf(stderr, "vrctl: ca issue: bad %s '%s': %s\n", opt, v,
			why);
		return -EINVAL;
	}
	if (*n == max) {
		fprintf(stderr, "vrctl: ca issue: more than %u %s prefixes\n",
			max, opt);
		return -EINVAL;
	}
	list[(*n)++] = p;
	return 0;
}

static int issue_option(struct issue_args *a, int argc, char **argv, int *i)
{
	bool missing = false, have_days = a->days != 0;
	const char *v;
	uint64_t n;

	if ((v = opt_value(argc, argv, i, "--network", &missing))) {
		if (prefix_option("network", v, a->networks, &a->nnetworks,
				  GOSSIP_CERT_NETWORKS_MAX) < 0) {
			return -EINVAL;
		}
	} else if ((v = opt_value(argc, argv, i, "--visitors", &missing))) {
		if (prefix_option("visitors", v, a->visitors, &a->nvisitors,
				  GOSSIP_CERT_VISITORS_MAX) < 0) {
			return -EINVAL;
		}
	} else if ((v = opt_value(argc, argv, i, "--vn", &missing))) {
		if (parse_u64(v, UINT32_MAX, &n) < 0) {
			fprintf(stderr, "vrctl: ca issue: bad vn '%s'\n", v);
			return -EINVAL;
		}
		if (a->nvns == GOSSIP_CERT_VNS_MAX) {
			fprintf(stderr, "vrctl: ca issue: more than %d vns\n",
				GOSSIP_CERT_VNS_MAX);
			return -EINVAL;
		}
		a->vns[a->nvns++] = (uint32_t)n;
	} else if ((v = opt_value(argc, argv, i, "--days", &missing))) {
		if (parse_u64(v, DAYS_MAX, &a->days) < 0 || a->days == 0) {
			fprintf(stderr,
				"vrctl: ca issue: --days must be 1 to %llu\n",
				DAYS_MAX);
			return -EINVAL;
		}
		have_days = true;
	} else if ((v = opt_value(argc, argv, i, "--expires", &missing))) {
		if (rfc3339_parse(v, &a->expires) < 0) {
			fprintf(stderr,
				"vrctl: ca issue: bad --expires '%s' (RFC "
				"3339, "
				"e.g. 2027-01-31T00:00:00Z)\n",
				v);
			return -EINVAL;
		}
	} else if ((v = opt_value(argc, argv, i, "--out", &missing))) {
		a->out = v;
	} else if (!missing && strcmp(argv[*i], "--renew") == 0) {
		a->renew = true;
	} else if (!missing && strcmp(argv[*i], "--force") == 0) {
		a->force = true;
	} else if (missing) {
		fprintf(stderr, "vrctl: ca issue: %s needs a value\n",
			argv[*i]);
		return -EINVAL;
	} else {
		fprintf(stderr, "vrctl: ca issue: unknown option '%s'\n",
			argv[*i]);
		return -EINVAL;
	}
	if (have_days && a->expires) {
		fprintf(stderr,
			"vrctl: ca issue: --days and --expires exclude each "
			"other\n");
		return -EINVAL;
	}
	return 0;
}

static int issue_parse(struct issue_args *a, int argc, char **argv)
{
	int npos = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			if (issue_option(a, argc, argv, &i) < 0) {
				return -EINVAL;
			}
		} else if (npos == 0) {
			a->dir = argv[i];
			npos++;
		} else if (npos == 1) {
			a->name = argv[i];
			npos++;
		} else {
			fprintf(stderr,
				"vrctl: ca issue: extra argument '%s'\n",
				argv[i]);
			return -EINVAL;
		}
	}
	if (!a->dir || !a->name) {
		fprintf(stderr, "vrctl: ca issue: DIR and NAME are needed\n");
		return -EINVAL;
	}
	if (!vrd_name_valid(a->name)) {
		fprintf(stderr,
			"vrctl: ca issue: bad router name '%s' (1 to %d of "
			"A-Z a-z 0-9 _ . -)\n",
			a->name, VRD_NAME_MAX);
		return -EINVAL;
	}
	if (a->nnetworks == 0 || !a->out) {
		fprintf(stderr,
			"vrctl: ca issue: --network and --out are needed\n");
		return -EINVAL;
	}
	if (a->renew && a->force) {
		fprintf(stderr,
			"vrctl: ca issue: --renew and --force exclude each "
			"other\n");
		return -EINVAL;
	}
	if (a->nvns == 0) {
		a->vns[a->nvns++] = 1;
	}
	if (a->days == 0) {
		a->days = 365;
	}
	return 0;
}

static int ca_init(int argc, char **argv)
{
	char key_path[PATH_MAX], pub_path[PATH_MAX],
		idbuf[2 * GOSSIP_CA_IDBYTES + 1];
	uint8_t id[GOSSIP_CA_IDBYTES];
	struct gossip_key *ca;
	struct gossip_pub pub;
	int rc;

	if (argc != 3 || argv[2][0] == '-') {
		return usage();
	}
	if (path_join(key_path, argv[2], GOSSIP_CA_KEY_FILE, "") < 0 ||
	    path_join(pub_path, argv[2], GOSSIP_CA_PUB_FILE, "") < 0) {
		return 1;
	}
	if (file_exists(key_path)) {
		fprintf(stderr,
			"vrctl: ca init: %s exists; refusing to overwrite a "
			"CA key\n",
			key_path);
		return 1;
	}
	if (dir_make(argv[2]) < 0) {
		return 1;
	}
	ca = gossip_ca_generate();
	if (!ca) {
		fprintf(stderr, "vrctl: ca init: %s\n", strerror(errno));
		return 1;
	}
	rc = gossip_ca_key_save(ca, key_path);
	if (rc == -EEXIST) {
		fprintf(stderr,
			"vrctl: ca init: %s exists; refusing to overwrite a "
			"CA key\n",
			key_path);
		goto destroy_ca;
	} else if (rc < 0) {
		fprintf(stderr, "vrctl: ca init: %s: %s\n", key_path,
			strerror(-rc));
		goto destroy_ca;
	}
	gossip_key_public(&pub, ca);
	rc = gossip_ca_pub_save(&pub, pub_path);
	if (rc < 0) {
		fprintf(stderr, "vrctl: ca init: %s: %s\n", pub_path,
			strerror(-rc));
		goto destroy_ca;
	}
	gossip_ca_id(id, &pub);
	printf("ca %s: wrote %s and %s\n", gossip_ca_id_format(id, idbuf),
	       key_path, pub_path);
destroy_ca:
	gossip_key_destroy(ca);
	return rc < 0 ? 1 : 0;
}

/* The CA key of DIR, checked against DIR/ca.pub when that exists. */
static struct gossip_key *ca_load(const char *dir)
{
	char path[PATH_MAX], err[ERR_MAX];
	struct gossip_pub want, have;
	struct gossip_key *ca;

	if (path_join(path, dir, GOSSIP_CA_KEY_FILE, "") < 0) {
		return NULL;
	}
	if (gossip_ca_key_load(&ca, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vrctl: ca issue: %s\n", err);
		return NULL;
	}
	if (path_join(path, dir, GOSSIP_CA_PUB_FILE, "") < 0) {
		goto destroy_ca;
	}
	if (!file_exists(path)) {
		return ca;
	}
	if (gossip_ca_pub_load(&have, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vrctl: ca issue: %s\n", err);
		goto destroy_ca;
	}
	gossip_key_public(&want, ca);
	if (memcmp(want.b, have.b, sizeof(want.b)) != 0) {
		fprintf(stderr,
			"vrctl: ca issue: %s is not the public key of %s/%s\n",
			path, dir, GOSSIP_CA_KEY_FILE);
		goto destroy_ca;
	}
	return ca;

destroy_ca:
	gossip_key_destroy(ca);
	return NULL;
}

/* The router key: kept (--renew), replaced (--force) or new. *fresh says
 * it must be written. */
static struct gossip_key *router_key(const struct issue_args *a,
				     const char *path, bool *fresh)
{
	char err[ERR_MAX];
	struct gossip_key *key;

	*fresh = false;
	if (file_exists(path) && a->renew) {
		if (gossip_key_load(&key, path, err, sizeof(err)) < 0) {
			fprintf(stderr, "vrctl: ca issue: %s\n", err);
			return NULL;
		}
		return key;
	}
	if (a->renew) {
		fprintf(stderr, "vrctl: ca issue: --renew: no key %s\n", path);
		return NULL;
	}
	if (file_exists(path) && !a->force) {
		fprintf(stderr,
			"vrctl: ca issue: %s exists; --renew keeps it, "
			"--force replaces it\n",
			path);
		return NULL;
	}
	key = gossip_key_generate();
	if (!key) {
		fprintf(stderr, "vrctl: ca issue: %s\n", strerror(errno));
		return NULL;
	}
	*fresh = true;
	return key;
}

static int cert_fill(struct gossip_cert *cert, const struct issue_args *a,
		     const struct gossip_key *key, uint64_t now)
{
	uint64_t not_after = a->expires ? a->expires : now + a->days * DAY_S;
	struct gossip_pub pub;

	if (not_after <= now) {
		fprintf(stderr, "vrctl: ca issue: --expires is in the past\n");
		return -EINVAL;
	}
	gossip_key_public(&pub, key);
	if (gossip_cert_init(cert, a->name, &pub, now - SKEW_S, not_after) <
	    0) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < a->nnetworks; i++) {
		if (gossip_cert_add_network(cert, &a->networks[i]) < 0) {
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < a->nvns; i++) {
		if (gossip_cert_add_vn(cert, a->vns[i]) < 0) {
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < a->nvisitors; i++) {
		if (gossip_cert_add_visitors(cert, &a->visitors[i]) < 0) {
			return -EINVAL;
		}
	}
	return 0;
}

static int issue_write(const struct issue_args *a,
		       const struct gossip_cert *cert,
		       const struct gossip_key *key, bool fresh,
		       const struct gossip_key *ca)
{
	char key_path[PATH_MAX], crt_path[PATH_MAX], pub_path[PATH_MAX];
	struct gossip_pub pub;
	int rc;

	if (path_join(key_path, a->out, a->name, ".key") < 0 ||
	    path_join(crt_path, a->out, a->name, ".crt") < 0 ||
	    path_join(pub_path, a->out, GOSSIP_CA_PUB_FILE, "") < 0) {
		return -ENAMETOOLONG;
	}
	if (fresh && (rc = gossip_key_save(key, key_path)) < 0) {
		fprintf(stderr, "vrctl: ca issue: %s: %s\n", key_path,
			strerror(-rc));
		return rc;
	}
	rc = gossip_cert_save(cert, crt_path);
	if (rc < 0) {
		fprintf(stderr, "vrctl: ca issue: %s: %s\n", crt_path,
			strerror(-rc));
		return rc;
	}
	gossip_key_public(&pub, ca);
	rc = gossip_ca_pub_save(&pub, pub_path);
	if (rc < 0) {
		fprintf(stderr, "vrctl: ca issue: %s: %s\n", pub_path,
			strerror(-rc));
		return rc;
	}
	printf("issued %s for %s (%s key %s), ca copied to %s\n", crt_path,
	       a->name, fresh ? "new" : "kept", key_path, pub_path);
	return 0;
}

static int ca_issue(int argc, char **argv)
{
	char key_path[PATH_MAX];
	struct gossip_key *ca, *key;
	struct issue_args a;
	struct gossip_cert cert;
	bool fresh;
	int rc = 1;

	if (issue_parse(&a, argc, argv) < 0) {
		usage();
		return EXIT_USAGE;
	}
	ca = ca_load(a.dir);
	if (!ca) {
		return 1;
	}
	if (dir_make(a.out) < 0 ||
	    path_join(key_path, a.out, a.name, ".key") < 0) {
		goto destroy_ca;
	}
	key = router_key(&a, key_path, &fresh);
	if (!key) {
		goto destroy_ca;
	}
	if (cert_fill(&cert, &a, key, (uint64_t)time(NULL)) < 0) {
		rc = EXIT_USAGE;
		goto destroy_key;
	}
	if (gossip_cert_sign(&cert, ca) < 0) {
		fprintf(stderr, "vrctl: ca issue: signing failed\n");
		goto destroy_key;
	}
	if (issue_write(&a, &cert, key, fresh, ca) == 0) {
		rc = 0;
	}
destroy_key:
	gossip_key_destroy(key);
destroy_ca:
	gossip_key_destroy(ca);
	return rc;
}

static void cert_print(const struct gossip_cert *cert)
{
	char t[VRD_RFC3339_STRLEN], p[VRD_PREFIX_STRLEN],
		id[2 * GOSSIP_CA_IDBYTES + 1];
	uint8_t fp[GOSSIP_CERT_FPBYTES];

	printf("name %s\n", cert->name);
	printf("key ");
	for (size_t i = 0; i < sizeof(cert->key.b); i++) {
		printf("%02x", cert->key.b[i]);
	}
	printf("\nca %s\n", gossip_ca_id_format(cert->ca_id, id));
	if (gossip_cert_fingerprint(fp, cert) == 0) {
		/* what [security] revoked names */
		printf("fingerprint ");
		for (size_t i = 0; i < sizeof(fp); i++) {
			printf("%02x", fp[i]);
		}
		printf("\n");
	}
	/* past year 9999 vrd_rfc3339 has no room: print seconds */
	if (cert->not_after <= 253402300799ULL) {
		printf("not_before %s\n",
		       vrd_rfc3339(cert->not_before * 1000, t));
		printf("not_after %s\n",
		       vrd_rfc3339(cert->not_after * 1000, t));
	} else {
		printf("not_before %llu\nnot_after %llu\n",
		       (unsigned long long)cert->not_before,
		       (unsigned long long)cert->not_after);
	}
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		printf("network %s\n",
		       vrd_prefix_format(&cert->networks[i], p));
	}
	for (unsigned i = 0; i < cert->nvns; i++) {
		printf("vn %u\n", (unsigned)cert->vns[i]);
	}
	/* no list: any address of its VNs */
	if (cert->nvisitors == 0) {
		printf("visitors any\n");
	}
	for (unsigned i = 0; i < cert->nvisitors; i++) {
		printf("visitors %s\n",
		       vrd_prefix_format(&cert->visitors[i], p));
	}
}

static int ca_show(int argc, char **argv)
{
	const char *ca_path = NULL;
	char err[ERR_MAX];
	struct gossip_cert cert;
	struct gossip_pub ca;
	int rc;

	if (argc == 5 && strcmp(argv[3], "--ca") == 0) {
		ca_path = argv[4];
	} else if (argc != 3) {
		return usage();
	}
	if (gossip_cert_load(&cert, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "vrctl: ca show: %s\n", err);
		return 1;
	}
	cert_print(&cert);
	if (!ca_path) {
		return 0;
	}
	if (gossip_ca_pub_load(&ca, ca_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vrctl: ca show: %s\n", err);
		return 1;
	}
	rc = gossip_cert_verify(&cert, &ca, (uint64_t)time(NULL));
	if (rc < 0) {
		fprintf(stderr, "vrctl: ca show: %s: %s\n", argv[2],
			rc == -EKEYEXPIRED ? "expired or not yet valid"
					   : "not signed by this CA");
		return 1;
	}
	printf("verify ok\n");
	return 0;
}

int vrctl_ca(int argc, char **argv)
{
	if (argc < 2) {
		return usage();
	}
	if (strcmp(argv[1], "init") == 0) {
		return ca_init(argc, argv);
	}
	if (strcmp(argv[1], "issue") == 0) {
		return ca_issue(argc, argv);
	}
	if (strcmp(argv[1], "show") == 0) {
		return ca_show(argc, argv);
	}
	fprintf(stderr, "vrctl: ca: unknown command '%s'\n", argv[1]);
	return usage();
}
