/*
 * The config file: a line parser with no I/O (vrd_config_parse), the file
 * reader that resolves relative paths (vrd_config_load) and the look at the
 * key and certificate files (vrd_config_check_files). See docs/config.md.
 */
#include "vrd/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_LINE_MAX 4096
#define CONFIG_FILE_MAX (1024 * 1024)
#define SHOW_MAX 48 /* bytes of an operator's token quoted in a message */
#define SHOW_BUF (SHOW_MAX + 4)
#define IFNAME_MAX (IF_NAMESIZE - 1)
#define HOSTNAME_MAX 253
#define LABEL_MAX 63

enum section {
	SEC_ROUTER,
	SEC_OVERLAY,
	SEC_SECURITY,
	SEC_LAN,
	SEC_HOST,
	SEC_COUNT,
	SEC_NONE = SEC_COUNT,
};

static const char *const section_names[SEC_COUNT] = {
	[SEC_ROUTER] = "router",     [SEC_OVERLAY] = "overlay",
	[SEC_SECURITY] = "security", [SEC_LAN] = "lan",
	[SEC_HOST] = "host",
};

enum key {
	K_NAME,
	K_STATE_DIR,
	K_CONTROL,
	K_LOG_LEVEL,
	K_EVENTS_MAX,
	K_OVERLAY_ADDRESS,
	K_OVERLAY_INTERFACE,
	K_PORT,
	K_PEER,
	K_VN,
	K_CA,
	K_CERT,
	K_KEY,
	K_LAN_INTERFACE,
	K_NETWORK,
	K_HWDT_AGE,
	K_HOST_INTERFACE,
	K_HOST_ADDRESS,
	K_COUNT,
};

struct parser {
	struct vrd_config *cfg;
	const char *file;
	char *err;
	unsigned line;
	enum section sec;
	unsigned sec_line[SEC_COUNT];
	unsigned key_line[K_COUNT]; /* first line of each key, 0: not seen */
};

struct key_desc {
	enum section sec;
	const char *name;
	int (*set)(struct parser *p, const char *value);
	bool repeat;
	bool required;
};

static int fail_at(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes "FILE:LINE: message" unless an earlier error is there already. */
static void err_vset(char *err, const char *file, unsigned line,
		     const char *fmt, va_list ap)
{
	int n;

	if (err[0])
		return;
	n = snprintf(err, VRD_CONFIG_ERR_MAX, "%s:%u: ", file, line ? line : 1);
	if (n > 0 && n < VRD_CONFIG_ERR_MAX)
		vsnprintf(err + n, VRD_CONFIG_ERR_MAX - (size_t)n, fmt, ap);
}

static void err_set(char *err, const char *file, unsigned line, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static void err_set(char *err, const char *file, unsigned line, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, file, line, fmt, ap);
	va_end(ap);
}

static int fail_at(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(p->err, p->file, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define fail(p, ...) fail_at((p), (p)->line, __VA_ARGS__)

/* An operator's token, fit to quote: printable, cut at SHOW_MAX bytes. */
static const char *show(char buf[SHOW_BUF], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Cuts trailing white space in place and returns s past leading space. */
static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Decimal digits only (no sign, no base prefix), min to max. */
static int number_parse(const char *s, unsigned long min, unsigned long max,
			uint32_t *out)
{
	unsigned long v;
	char *end;

	for (const char *t = s; *t; t++) {
		if (!is_digit(*t))
			return -EINVAL;
	}
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int set_number(struct parser *p, const char *what, const char *v,
		      unsigned long min, unsigned long max, uint32_t *out)
{
	char b[SHOW_BUF];

	if (number_parse(v, min, max, out) < 0)
		return fail(p,
			    "bad %s '%s': need a whole number from %lu to %lu",
			    what, show(b, v), min, max);
	return 0;
}

static int set_path(struct parser *p, const char *what, const char *v,
		    char *out, size_t size)
{
	size_t n = strlen(v);

	if (n >= size)
		return fail(p, "%s is too long (at most %zu bytes)", what,
			    size - 1);
	memcpy(out, v, n + 1);
	return 0;
}

/* Linux interface names: 1 to 15 of [A-Za-z0-9_.-], not "." or "..". */
static int set_ifname(struct parser *p, const char *v, char out[IF_NAMESIZE])
{
	size_t n = strlen(v);
	char b[SHOW_BUF];
	bool ok = n >= 1 && n <= IFNAME_MAX && strcmp(v, ".") != 0 &&
		  strcmp(v, "..") != 0;

	for (size_t i = 0; ok && i < n; i++)
		ok = is_alnum(v[i]) || v[i] == '_' || v[i] == '.' ||
		     v[i] == '-';
	if (!ok)
		return fail(p,
			    "bad interface '%s': use 1 to %d characters of "
			    "[A-Za-z0-9_.-]",
			    show(b, v), IFNAME_MAX);
	memcpy(out, v, n + 1);
	return 0;
}

/* An address another router can send to: not 0.0.0.0, not 224/3. */
static bool unicast(uint32_t a)
{
	return a != 0 && a < 0xe0000000u;
}

static int set_unicast(struct parser *p, const char *what, const char *v,
		       uint32_t *out)
{
	char b[SHOW_BUF];
	uint32_t a;

	if (vrd_ipv4_parse(v, &a) < 0)
		return fail(p, "bad %s '%s': not an IPv4 address", what,
			    show(b, v));
	if (!unicast(a))
		return fail(p, "bad %s '%s': not a unicast address", what,
			    show(b, v));
	*out = a;
	return 0;
}

static int set_name(struct parser *p, const char *v)
{
	char b[SHOW_BUF];

	if (!vrd_name_valid(v))
		return fail(p,
			    "bad router name '%s': use 1 to %d characters of "
			    "[A-Za-z0-9_.-]",
			    show(b, v), VRD_NAME_MAX);
	memcpy(p->cfg->name, v, strlen(v) + 1);
	return 0;
}

static int set_state_dir(struct parser *p, const char *v)
{
	return set_path(p, "state_dir", v, p->cfg->state_dir,
			sizeof(p->cfg->state_dir));
}

static int set_control(struct parser *p, const char *v)
{
	return set_path(p, "control", v, p->cfg->control,
			sizeof(p->cfg->control));
}

static int set_log_level(struct parser *p, const char *v)
{
	char b[SHOW_BUF];

	if (vrd_log_level_parse(v, &p->cfg->log_level) < 0)
		return fail(p,
			    "bad log_level '%s': use err, warn, info or debug",
			    show(b, v));
	return 0;
}

static int set_events_max(struct parser *p, const char *v)
{
	return set_number(p, "events_max", v, 10, 10000000,
			  &p->cfg->events_max);
}

static int overlay_exclusive(struct parser *p, enum key other)
{
	if (p->key_line[other])
		return fail(p, "address and interface are exclusive");
	p->cfg->line_overlay_addr = p->line;
	return 0;
}

static int set_overlay_address(struct parser *p, const char *v)
{
	if (overlay_exclusive(p, K_OVERLAY_INTERFACE) < 0)
		return -EINVAL;
	return set_unicast(p, "address", v, &p->cfg->overlay_addr);
}

static int set_overlay_interface(struct parser *p, const char *v)
{
	if (overlay_exclusive(p, K_OVERLAY_ADDRESS) < 0)
		return -EINVAL;
	return set_ifname(p, v, p->cfg->overlay_if);
}

static int set_port(struct parser *p, const char *v)
{
	uint32_t port;

	if (set_number(p, "port", v, 1, 65535, &port) < 0)
		return -EINVAL;
	p->cfg->port = (uint16_t)port;
	return 0;
}

/* RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], 1 to 63 bytes,
 * no hyphen at either end of a label, at most 253 bytes in all. */
static bool hostname_valid(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > HOSTNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
		if ((s[i] == '-' && label == 0) || ++label > LABEL_MAX)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* HOST is an IPv4 literal when it has only digits and dots. */
static bool peer_host_valid(const char *s, size_t n)
{
	char addr[VRD_IPV4_STRLEN];
	size_t i;
	uint32_t a;

	for (i = 0; i < n && (is_digit(s[i]) || s[i] == '.'); i++)
		;
	if (i < n)
		return hostname_valid(s, n);
	if (n >= sizeof(addr))
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return vrd_ipv4_parse(addr, &a) == 0 && unicast(a);
}

static int set_peer(struct parser *p, const char *v)
{
	struct vrd_config *cfg = p->cfg;
	struct vrd_config_peer *peer;
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	uint32_t port = 0;
	char b[SHOW_BUF];

	if (cfg->npeers == VRD_CONFIG_PEERS_MAX)
		return fail(p, "too many peers (at most %d)",
			    VRD_CONFIG_PEERS_MAX);
	if (!peer_host_valid(v, n))
		return fail(p,
			    "bad peer '%s': need HOST[:PORT], HOST an IPv4 "
			    "address or a DNS name",
			    show(b, v));
	if (colon && number_parse(colon + 1, 1, 65535, &port) < 0)
		return fail(p, "bad peer '%s': port must be 1 to 65535",
			    show(b, v));
	peer = &cfg->peers[cfg->npeers++];
	memcpy(peer->host, v, n);
	peer->host[n] = '\0';
	peer->port = (uint16_t)port; /* 0: [overlay] port, filled in later */
	peer->line = p->line;
	return 0;
}

static int set_vn(struct parser *p, const char *v)
{
	return set_number(p, "vn", v, 1, 16777215, &p->cfg->vn);
}

static int set_ca(struct parser *p, const char *v)
{
	p->cfg->line_ca = p->line;
	return set_path(p, "ca", v, p->cfg->ca, sizeof(p->cfg->ca));
}

static int set_cert(struct parser *p, const char *v)
{
	p->cfg->line_cert = p->line;
	return set_path(p, "cert", v, p->cfg->cert, sizeof(p->cfg->cert));
}

static int set_key(struct parser *p, const char *v)
{
	p->cfg->line_key = p->line;
	return set_path(p, "key", v, p->cfg->key, sizeof(p->cfg->key));
}

static int set_lan_interface(struct parser *p, const char *v)
{
	return set_ifname(p, v, p->cfg->lan_if);
}

static int set_network(struct parser *p, const char *v)
{
	const char *why = "";
	char b[SHOW_BUF];

	if (vrd_prefix_parse(v, &p->cfg->lan_network, &why) < 0)
		return fail(p, "bad network '%s': %s", show(b, v), why);
	p->cfg->line_lan_network = p->line;
	return 0;
}

static int set_hwdt_age(struct parser *p, const char *v)
{
	return set_number(p, "hwdt_age", v, 10, 86400, &p->cfg->hwdt_age_s);
}

static int set_host_interface(struct parser *p, const char *v)
{
	return set_ifname(p, v, p->cfg->host_if);
}

static int set_host_address(struct parser *p, const char *v)
{
	struct vrd_config *cfg = p->cfg;
	const char *why = "";
	char b[SHOW_BUF];
	uint32_t a, mask;
	uint8_t len;

	if (vrd_ifaddr_parse(v, &a, &len, &why) < 0)
		return fail(p, "bad address '%s': %s", show(b, v), why);
	mask = vrd_prefix_mask(len);
	if (len <= 30 && a == (a & mask))
		return fail(p,
			    "bad address '%s': the network address of its "
			    "prefix, not a host",
			    show(b, v));
	if (len <= 30 && a == (a | ~mask))
		return fail(p,
			    "bad address '%s': the broadcast address of its "
			    "prefix, not a host",
			    show(b, v));
	cfg->host_addr = a;
	cfg->host_network.addr = a & mask;
	cfg->host_network.len = len;
	cfg->line_host_address = p->line;
	return 0;
}

#define KEY(s, n, f, ...)                                        \
	{                                                        \
		.sec = (s), .name = (n), .set = (f), __VA_ARGS__ \
	}
#define REQUIRED .required = true
#define REPEAT .repeat = true
#define OPTIONAL .required = false

static const struct key_desc keys[K_COUNT] = {
	[K_NAME] = KEY(SEC_ROUTER, "name", set_name, REQUIRED),
	[K_STATE_DIR] = KEY(SEC_ROUTER, "state_dir", set_state_dir, OPTIONAL),
	[K_CONTROL] = KEY(SEC_ROUTER, "control", set_control, OPTIONAL),
	[K_LOG_LEVEL] = KEY(SEC_ROUTER, "log_level", set_log_level, OPTIONAL),
	[K_EVENTS_MAX] =
		KEY(SEC_ROUTER, "events_max", set_events_max, OPTIONAL),
	[K_OVERLAY_ADDRESS] =
		KEY(SEC_OVERLAY, "address", set_overlay_address, OPTIONAL),
	[K_OVERLAY_INTERFACE] =
		KEY(SEC_OVERLAY, "interface", set_overlay_interface, OPTIONAL),
	[K_PORT] = KEY(SEC_OVERLAY, "port", set_port, OPTIONAL),
	[K_PEER] = KEY(SEC_OVERLAY, "peer", set_peer, REPEAT),
	[K_VN] = KEY(SEC_OVERLAY, "vn", set_vn, OPTIONAL),
	[K_CA] = KEY(SEC_SECURITY, "ca", set_ca, REQUIRED),
	[K_CERT] = KEY(SEC_SECURITY, "cert", set_cert, REQUIRED),
	[K_KEY] = KEY(SEC_SECURITY, "key", set_key, REQUIRED),
	[K_LAN_INTERFACE] =
		KEY(SEC_LAN, "interface", set_lan_interface, REQUIRED),
	[K_NETWORK] = KEY(SEC_LAN, "network", set_network, REQUIRED),
	[K_HWDT_AGE] = KEY(SEC_LAN, "hwdt_age", set_hwdt_age, OPTIONAL),
	[K_HOST_INTERFACE] =
		KEY(SEC_HOST, "interface", set_host_interface, REQUIRED),
	[K_HOST_ADDRESS] = KEY(SEC_HOST, "address", set_host_address, REQUIRED),
};

static int section_open(struct parser *p, char *s)
{
	size_t n = strlen(s);
	char b[SHOW_BUF];
	char *name;
	int sec;

	if (s[n - 1] != ']')
		return fail(p, "bad section header '%s': need '[name]'",
			    show(b, s));
	s[n - 1] = '\0';
	name = trim(s + 1);
	for (sec = 0; sec < SEC_COUNT; sec++) {
		if (strcmp(name, section_names[sec]) == 0)
			break;
	}
	if (sec == SEC_COUNT)
		return fail(p, "unknown section [%s]", show(b, name));
	if (p->sec_line[sec])
		return fail(p, "duplicate section [%s], first at line %u", name,
			    p->sec_line[sec]);
	if ((sec == SEC_LAN && p->sec_line[SEC_HOST]) ||
	    (sec == SEC_HOST && p->sec_line[SEC_LAN]))
		return fail(p, "a router has [lan] (gateway mode) or [host] "
			       "(VM-as-router), not both");
	p->sec_line[sec] = p->line;
	p->sec = (enum section)sec;
	return 0;
}

static int key_value(struct parser *p, char *s, char *eq)
{
	char *key, *value, b[SHOW_BUF];
	const char *sec;
	int k;

	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key)
		return fail(p, "missing key before '='");
	if (p->sec == SEC_NONE)
		return fail(p, "key '%s' outside any section", show(b, key));
	sec = section_names[p->sec];
	for (k = 0; k < K_COUNT; k++) {
		if (keys[k].sec == p->sec && strcmp(key, keys[k].name) == 0)
			break;
	}
	if (k == K_COUNT)
		return fail(p, "unknown key '%s' in [%s]", show(b, key), sec);
	if (p->key_line[k] && !keys[k].repeat)
		return fail(p, "duplicate key '%s' in [%s], first at line %u",
			    key, sec, p->key_line[k]);
	if (!*value)
		return fail(p, "missing value for '%s'", key);
	for (const char *c = value; *c; c++) {
		if (is_space(*c))
			return fail(p, "unexpected space in value");
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(p, "control character in value");
	}
	if (keys[k].set(p, value) < 0)
		return -EINVAL;
	if (!p->key_line[k])
		p->key_line[k] = p->line;
	return 0;
}

static int line_parse(struct parser *p, const char *text, size_t n)
{
	char buf[CONFIG_LINE_MAX + 1], *s, *hash, *eq;

	if (n > CONFIG_LINE_MAX)
		return fail(p, "line is longer than %d bytes", CONFIG_LINE_MAX);
	if (memchr(text, '\0', n))
		return fail(p, "line contains a NUL byte");
	memcpy(buf, text, n);
	buf[n] = '\0';
	hash = strchr(buf, '#');
	if (hash)
		*hash = '\0';
	s = trim(buf);
	if (!*s)
		return 0;
	if (*s == '[')
		return section_open(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return fail(p, "expected 'key = value', '[section]' or a "
			       "comment");
	return key_value(p, s, eq);
}

/* What is missing: sections, required keys, one of [lan] and [host]. */
static int required_check(struct parser *p)
{
	const struct vrd_config *cfg = p->cfg;

	for (int sec = 0; sec < SEC_COUNT; sec++) {
		unsigned line = p->sec_line[sec];

		if (!line) {
			if (sec == SEC_LAN || sec == SEC_HOST)
				continue;
			return fail_at(p, 1, "missing section [%s]",
				       section_names[sec]);
		}
		for (int k = 0; k < K_COUNT; k++) {
			if (keys[k].sec == (enum section)sec &&
			    keys[k].required && !p->key_line[k])
				return fail_at(p, line, "[%s] needs %s",
					       section_names[sec],
					       keys[k].name);
		}
		if (sec == SEC_OVERLAY && !cfg->overlay_addr &&
		    !cfg->overlay_if[0])
			return fail_at(p, line,
				       "[overlay] needs address or interface");
	}
	if (!p->sec_line[SEC_LAN] && !p->sec_line[SEC_HOST])
		return fail_at(p, 1,
			       "a router needs [lan] (gateway mode) or [host] "
			       "(VM-as-router)");
	return 0;
}

static bool peer_same(const struct vrd_config_peer *a,
		      const struct vrd_config_peer *b)
{
	return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

static int finish(struct parser *p)
{
	struct vrd_config *cfg = p->cfg;

	if (required_check(p) < 0)
		return -EINVAL;
	if (!cfg->state_dir[0])
		snprintf(cfg->state_dir, sizeof(cfg->state_dir),
			 "/var/lib/vrd/%s", cfg->name);
	if (!cfg->control[0])
		snprintf(cfg->control, sizeof(cfg->control), "/run/vrd/%s.sock",
			 cfg->name);
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct vrd_config_peer *peer = &cfg->peers[i];

		if (!peer->port)
			peer->port = cfg->port;
		for (size_t j = 0; j < i; j++) {
			if (peer_same(&cfg->peers[j], peer))
				return fail_at(p, peer->line,
					       "duplicate peer %s:%u, first "
					       "at line %u",
					       peer->host, peer->port,
					       cfg->peers[j].line);
		}
	}
	cfg->line_router = p->sec_line[SEC_ROUTER];
	cfg->line_overlay = p->sec_line[SEC_OVERLAY];
	cfg->mode = p->sec_line[SEC_LAN] ? VRD_MODE_GATEWAY : VRD_MODE_HOST;
	return 0;
}

static void defaults_set(struct vrd_config *cfg, const char *file)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->file = file;
	cfg->log_level = VRD_LOG_INFO;
	cfg->events_max = VRD_DEFAULT_EVENTS_MAX;
	cfg->port = VRD_DEFAULT_PORT;
	cfg->vn = VRD_DEFAULT_VN;
	cfg->hwdt_age_s = VRD_DEFAULT_HWDT_AGE_S;
}

/* The parser proper; key_line[] (may be NULL) gets the line of every key,
 * which vrd_config_load needs for messages about state_dir and control. */
static int config_parse(const char *text, size_t len, const char *file,
			struct vrd_config *cfg, char *err,
			unsigned key_line[K_COUNT])
{
	struct parser p = {
		.cfg = cfg, .file = file, .err = err, .sec = SEC_NONE};
	const char *pos = text, *end = text + len;
	int rc = 0;

	err[0] = '\0';
	defaults_set(cfg, file);
	while (len > 0 && pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t n = nl ? (size_t)(nl - pos) : (size_t)(end - pos);

		if (p.line == UINT_MAX - 1) {
			rc = fail(&p, "too many lines");
			break;
		}
		p.line++;
		rc = line_parse(&p, pos, n);
		if (rc < 0)
			break;
		pos = nl ? nl + 1 : end;
	}
	if (rc == 0)
		rc = finish(&p);
	if (key_line)
		memcpy(key_line, p.key_line, sizeof(p.key_line));
	return rc;
}

int vrd_config_parse(const char *text, size_t len, const char *filename,
		     struct vrd_config *cfg, char err[VRD_CONFIG_ERR_MAX])
{
	return config_parse(text, len, filename ? filename : "config", cfg, err,
			    NULL);
}

/* Reads at most CONFIG_FILE_MAX bytes of path into a new buffer. */
static int file_read(const char *path, char **out, size_t *len, char *err)
{
	size_t n = 0;
	ssize_t got;
	char *buf;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		goto report;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		e = ENOMEM;
		goto close_fd;
	}
	do {
		got = read(fd, buf + n, CONFIG_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			goto free_buf;
		}
		n += (size_t)got;
	} while (got != 0 && n <= CONFIG_FILE_MAX);
	close(fd);
	if (n > CONFIG_FILE_MAX) {
		free(buf);
		err_set(err, path, 1, "file is larger than %d bytes",
			CONFIG_FILE_MAX);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;

free_buf:
	free(buf);
close_fd:
	close(fd);
report:
	err_set(err, path, 1, "cannot read: %s", strerror(e));
	return -e;
}

/* The folder of path, absolute (the daemon must not depend on its cwd). */
static int base_dir(const char *path, char *dir, size_t size, char *err)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char cwd[VRD_CONFIG_PATH_MAX];

	if (slash == path)
		n = 1;
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			int e = errno;

			err_set(err, path, 1,
				"cannot resolve relative paths: %s",
				strerror(e));
			return -e;
		}
		if ((size_t)snprintf(dir, size, "%s/%.*s", cwd, (int)n, path) >=
		    size)
			goto too_long;
		return 0;
	}
	if (n >= size)
		goto too_long;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;

too_long:
	err_set(err, path, 1, "cannot resolve relative paths: %s",
		strerror(ENAMETOOLONG));
	return -ENAMETOOLONG;
}

/* path, when relative, becomes dir/path; it must still fit in size. */
static int path_resolve(const char *file, const char *dir, const char *what,
			char *path, size_t size, unsigned line, char *err)
{
	char joined[2 * VRD_CONFIG_PATH_MAX];
	const char *rel = path;
	size_t dn = strlen(dir);

	if (path[0] == '/')
		return 0;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	snprintf(joined, sizeof(joined), "%s%s%s", dir,
		 dn && dir[dn - 1] == '/' ? "" : "/", rel);
	if (strlen(joined) >= size) {
		err_set(err, file, line,
			"%s %s is too long once resolved against %s "
			"(at most %zu bytes)",
			what, path, dir, size - 1);
		return -EINVAL;
	}
	memcpy(path, joined, strlen(joined) + 1);
	return 0;
}

int vrd_config_load(const char *path, struct vrd_config *cfg,
		    char err[VRD_CONFIG_ERR_MAX])
{
	unsigned key_line[K_COUNT];
	char dir[VRD_CONFIG_PATH_MAX];
	size_t len = 0;
	char *text = NULL;
	int rc;

	err[0] = '\0';
	rc = file_read(path, &text, &len, err);
	if (rc < 0)
		return -EINVAL;
	rc = config_parse(text, len, path, cfg, err, key_line);
	free(text);
	if (rc < 0)
		return rc;
	if (base_dir(path, dir, sizeof(dir), err) < 0 ||
	    path_resolve(path, dir, "state_dir", cfg->state_dir,
			 sizeof(cfg->state_dir), key_line[K_STATE_DIR],
			 err) < 0 ||
	    path_resolve(path, dir, "control", cfg->control,
			 sizeof(cfg->control), key_line[K_CONTROL], err) < 0 ||
	    path_resolve(path, dir, "ca", cfg->ca, sizeof(cfg->ca),
			 cfg->line_ca, err) < 0 ||
	    path_resolve(path, dir, "cert", cfg->cert, sizeof(cfg->cert),
			 cfg->line_cert, err) < 0 ||
	    path_resolve(path, dir, "key", cfg->key, sizeof(cfg->key),
			 cfg->line_key, err) < 0)
		return -EINVAL;
	return 0;
}

static int file_check(const struct vrd_config *cfg, const char *what,
		      const char *path, unsigned line, bool secret, char *err)
{
	const char *file = cfg->file ? cfg->file : "config";
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err_set(err, file, line, "cannot read %s %s: %s", what, path,
			strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0) {
		err_set(err, file, line, "cannot stat %s %s: %s", what, path,
			strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, file, line, "%s %s is not a regular file", what,
			path);
		goto close_fd;
	}
	if (secret && (st.st_mode & 077)) {
		err_set(err, file, line,
			"%s %s is readable by group or others (mode %04o); "
			"chmod 600 it",
			what, path, (unsigned)(st.st_mode & 07777));
		goto close_fd;
	}
	close(fd);
	return 0;

close_fd:
	close(fd);
	return -EINVAL;
}

int vrd_config_check_files(const struct vrd_config *cfg,
			   char err[VRD_CONFIG_ERR_MAX])
{
	err[0] = '\0';
	if (file_check(cfg, "ca", cfg->ca, cfg->line_ca, false, err) < 0 ||
	    file_check(cfg, "cert", cfg->cert, cfg->line_cert, false, err) <
		    0 ||
	    file_check(cfg, "key", cfg->key, cfg->line_key, true, err) < 0)
		return -EINVAL;
	return 0;
}

const char *vrd_mode_name(enum vrd_mode mode)
{
	switch (mode) {
	case VRD_MODE_GATEWAY:
		return "gateway";
	case VRD_MODE_HOST:
		return "host";
	}
	return "unknown";
}
