/*
 * The config file's line parser, with no I/O (vrd_config_parse): sections,
 * the key table, duplicate and missing keys, defaults. The values are parsed
 * in config_value.c, the file is read in config_file.c. See docs/config.md.
 */
#include "vrd/config_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CONFIG_LINE_MAX 4096

static const char *const section_names[SEC_COUNT] = {
	[SEC_ROUTER] = "router",     [SEC_OVERLAY] = "overlay",
	[SEC_SECURITY] = "security", [SEC_LAN] = "lan",
	[SEC_HOST] = "host",
};

struct key_desc {
	enum config_section sec;
	const char *name;
	int (*set)(struct config_parser *p, const char *value);
	bool repeat;
	bool required;
};

/* Writes "FILE:LINE: message" unless an earlier error is there already. */
static void err_vset(char *err, const char *file, unsigned line,
		     const char *fmt, va_list ap)
{
	int n;

	if (err[0]) {
		return;
	}
	n = snprintf(err, VRD_CONFIG_ERR_MAX, "%s:%u: ", file, line ? line : 1);
	if (n > 0 && n < VRD_CONFIG_ERR_MAX) {
		vsnprintf(err + n, VRD_CONFIG_ERR_MAX - (size_t)n, fmt, ap);
	}
}

void config_err_set(char *err, const char *file, unsigned line, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, file, line, fmt, ap);
	va_end(ap);
}

int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(p->err, p->file, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An operator's token, fit to quote: printable, cut at CONFIG_SHOW_MAX
 * bytes. */
const char *config_show(char buf[CONFIG_SHOW_BUF], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < CONFIG_SHOW_MAX; i++) {
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

/* Cuts trailing white space in place and returns s past leading space. */
static char *trim(char *s)
{
	size_t n;

	while (is_space(*s)) {
		s++;
	}
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1])) {
		s[--n] = '\0';
	}
	return s;
}

#define KEY(s, n, f, ...)                                        \
	{                                                        \
		.sec = (s), .name = (n), .set = (f), __VA_ARGS__ \
	}
#define REQUIRED .required = true
#define REPEAT .repeat = true
#define OPTIONAL .required = false

static const struct key_desc keys[K_COUNT] = {
	[K_NAME] = KEY(SEC_ROUTER, "name", config_set_name, REQUIRED),
	[K_STATE_DIR] =
		KEY(SEC_ROUTER, "state_dir", config_set_state_dir, OPTIONAL),
	[K_CONTROL] = KEY(SEC_ROUTER, "control", config_set_control, OPTIONAL),
	[K_CONTROL_GROUP] = KEY(SEC_ROUTER, "control_group",
				config_set_control_group, OPTIONAL),
	[K_CONTROL_RO] =
		KEY(SEC_ROUTER, "control_ro", config_set_control_ro, OPTIONAL),
	[K_CONTROL_RO_GROUP] = KEY(SEC_ROUTER, "control_ro_group",
				   config_set_control_ro_group, OPTIONAL),
	[K_LOG_LEVEL] =
		KEY(SEC_ROUTER, "log_level", config_set_log_level, OPTIONAL),
	[K_EVENTS_MAX] =
		KEY(SEC_ROUTER, "events_max", config_set_events_max, OPTIONAL),
	[K_OVERLAY_ADDRESS] = KEY(SEC_OVERLAY, "address",
				  config_set_overlay_address, OPTIONAL),
	[K_OVERLAY_INTERFACE] = KEY(SEC_OVERLAY, "interface",
				    config_set_overlay_interface, OPTIONAL),
	[K_PORT] = KEY(SEC_OVERLAY, "port", config_set_port, OPTIONAL),
	[K_PEER] = KEY(SEC_OVERLAY, "peer", config_set_peer, REPEAT),
	[K_VN] = KEY(SEC_OVERLAY, "vn", config_set_vn, OPTIONAL),
	[K_CA] = KEY(SEC_SECURITY, "ca", config_set_ca, REQUIRED),
	[K_CERT] = KEY(SEC_SECURITY, "cert", config_set_cert, REQUIRED),
	[K_KEY] = KEY(SEC_SECURITY, "key", config_set_key, REQUIRED),
	[K_REVOKED] = KEY(SEC_SECURITY, "revoked", config_set_revoked, REPEAT),
	[K_LAN_INTERFACE] =
		KEY(SEC_LAN, "interface", config_set_lan_interface, REQUIRED),
	[K_NETWORK] = KEY(SEC_LAN, "network", config_set_network, REQUIRED),
	[K_HWDT_AGE] = KEY(SEC_LAN, "hwdt_age", config_set_hwdt_age, OPTIONAL),
	[K_VERIFY_MOVES] =
		KEY(SEC_LAN, "verify_moves", config_set_verify_moves, OPTIONAL),
	[K_HOST_INTERFACE] =
		KEY(SEC_HOST, "interface", config_set_host_interface, REQUIRED),
	[K_HOST_ADDRESS] =
		KEY(SEC_HOST, "address", config_set_host_address, REQUIRED),
};

static int section_open(struct config_parser *p, char *s)
{
	size_t n = strlen(s);
	char b[CONFIG_SHOW_BUF];
	char *name;
	int sec;

	if (s[n - 1] != ']') {
		return config_fail(p, "bad section header '%s': need '[name]'",
				   config_show(b, s));
	}
	s[n - 1] = '\0';
	name = trim(s + 1);
	for (sec = 0; sec < SEC_COUNT; sec++) {
		if (strcmp(name, section_names[sec]) == 0) {
			break;
		}
	}
	if (sec == SEC_COUNT) {
		return config_fail(p, "unknown section [%s]",
				   config_show(b, name));
	}
	if (p->sec_line[sec]) {
		return config_fail(p,
				   "duplicate section [%s], first at line %u",
				   name, p->sec_line[sec]);
	}
	if ((sec == SEC_LAN && p->sec_line[SEC_HOST]) ||
	    (sec == SEC_HOST && p->sec_line[SEC_LAN])) {
		return config_fail(
			p, "a router has [lan] (gateway mode) or [host] "
			   "(VM-as-router), not both");
	}
	p->sec_line[sec] = p->line;
	p->sec = (enum config_section)sec;
	return 0;
}

static int key_value(struct config_parser *p, char *s, char *eq)
{
	char *key, *value, b[CONFIG_SHOW_BUF];
	const char *sec;
	int k;

	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key) {
		return config_fail(p, "missing key before '='");
	}
	if (p->sec == SEC_NONE) {
		return config_fail(p, "key '%s' outside any section",
				   config_show(b, key));
	}
	sec = section_names[p->sec];
	for (k = 0; k < K_COUNT; k++) {
		if (keys[k].sec == p->sec && strcmp(key, keys[k].name) == 0) {
			break;
		}
	}
	if (k == K_COUNT) {
		return config_fail(p, "unknown key '%s' in [%s]",
				   config_show(b, key), sec);
	}
	if (p->key_line[k] && !keys[k].repeat) {
		return config_fail(
			p, "duplicate key '%s' in [%s], first at line %u", key,
			sec, p->key_line[k]);
	}
	if (!*value) {
		return config_fail(p, "missing value for '%s'", key);
	}
	for (const char *c = value; *c; c++) {
		if (is_space(*c)) {
			return config_fail(p, "unexpected space in value");
		}
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			return config_fail(p, "control character in value");
		}
	}
	if (keys[k].set(p, value) < 0) {
		return -EINVAL;
	}
	if (!p->key_line[k]) {
		p->key_line[k] = p->line;
	}
	return 0;
}

static int line_parse(struct config_parser *p, const char *text, size_t n)
{
	char buf[CONFIG_LINE_MAX + 1], *s, *hash, *eq;

	if (n > CONFIG_LINE_MAX) {
		return config_fail(p, "line is longer than %d bytes",
				   CONFIG_LINE_MAX);
	}
	if (memchr(text, '\0', n)) {
		return config_fail(p, "line contains a NUL byte");
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	hash = strchr(buf, '#');
	if (hash) {
		*hash = '\0';
	}
	s = trim(buf);
	if (!*s) {
		return 0;
	}
	if (*s == '[') {
		return section_open(p, s);
	}
	eq = strchr(s, '=');
	if (!eq) {
		return config_fail(p,
				   "expected 'key = value', '[section]' or a "
				   "comment");
	}
	return key_value(p, s, eq);
}

/* What is missing: sections, required keys, one of [lan] and [host]. */
static int required_check(struct config_parser *p)
{
	const struct vrd_config *cfg = p->cfg;

	for (int sec = 0; sec < SEC_COUNT; sec++) {
		unsigned line = p->sec_line[sec];

		if (!line) {
			if (sec == SEC_LAN || sec == SEC_HOST) {
				continue;
			}
			return config_fail_at(p, 1, "missing section [%s]",
					      section_names[sec]);
		}
		for (int k = 0; k < K_COUNT; k++) {
			if (keys[k].sec == (enum config_section)sec &&
			    keys[k].required && !p->key_line[k]) {
				return config_fail_at(p, line, "[%s] needs %s",
						      section_names[sec],
						      keys[k].name);
			}
		}
		if (sec == SEC_OVERLAY && !cfg->overlay_addr &&
		    !cfg->overlay_if[0]) {
			return config_fail_at(
				p, line,
				"[overlay] needs address or interface");
		}
	}
	if (!p->sec_line[SEC_LAN] && !p->sec_line[SEC_HOST]) {
		return config_fail_at(
			p, 1,
			"a router needs [lan] (gateway mode) or [host] "
			"(VM-as-router)");
	}
	return 0;
}

static bool peer_same(const struct vrd_config_peer *a,
		      const struct vrd_config_peer *b)
{
	return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

static int finish(struct config_parser *p)
{
	struct vrd_config *cfg = p->cfg;

	if (required_check(p) < 0) {
		return -EINVAL;
	}
	if (!cfg->state_dir[0]) {
		snprintf(cfg->state_dir, sizeof(cfg->state_dir),
			 "/var/lib/vrd/%s", cfg->name);
	}
	if (!cfg->control[0]) {
		snprintf(cfg->control, sizeof(cfg->control), "/run/vrd/%s.sock",
			 cfg->name);
	}
	if (cfg->control_ro_group[0] && !cfg->control_ro[0]) {
		return config_fail_at(p, p->key_line[K_CONTROL_RO_GROUP],
				      "control_ro_group needs control_ro");
	}
	if (strcmp(cfg->control_ro, cfg->control) == 0) {
		return config_fail_at(p, p->key_line[K_CONTROL_RO],
				      "control_ro must differ from control");
	}
	cfg->line_control_group = p->key_line[K_CONTROL_GROUP];
	cfg->line_control_ro_group = p->key_line[K_CONTROL_RO_GROUP];
	for (size_t i = 0; i < cfg->npeers; i++) {
		struct vrd_config_peer *peer = &cfg->peers[i];

		if (!peer->port) {
			peer->port = cfg->port;
		}
		for (size_t j = 0; j < i; j++) {
			if (peer_same(&cfg->peers[j], peer)) {
				return config_fail_at(
					p, peer->line,
					"duplicate peer %s:%u, first "
					"at line %u",
					peer->host, peer->port,
					cfg->peers[j].line);
			}
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
	cfg->vn = VRD_VN_DEFAULT;
	cfg->hwdt_age_s = VRD_DEFAULT_HWDT_AGE_S;
	cfg->verify_moves = true;
}

/* The parser proper, also called by vrd_config_load (config_internal.h). */
int config_parse(const char *text, size_t len, const char *file,
		 struct vrd_config *cfg, char *err, unsigned key_line[K_COUNT])
{
	struct config_parser p = {
		.cfg = cfg, .file = file, .err = err, .sec = SEC_NONE};
	const char *pos = text, *end = text + len;
	int rc = 0;

	err[0] = '\0';
	defaults_set(cfg, file);
	while (len > 0 && pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t n = nl ? (size_t)(nl - pos) : (size_t)(end - pos);

		if (p.line == UINT_MAX - 1) {
			rc = config_fail(&p, "too many lines");
			break;
		}
		p.line++;
		rc = line_parse(&p, pos, n);
		if (rc < 0) {
			break;
		}
		pos = nl ? nl + 1 : end;
	}
	if (rc == 0) {
		rc = finish(&p);
	}
	if (key_line) {
		memcpy(key_line, p.key_line, sizeof(p.key_line));
	}
	return rc;
}

int vrd_config_parse(const char *text, size_t len, const char *filename,
		     struct vrd_config *cfg, char err[VRD_CONFIG_ERR_MAX])
{
	return config_parse(text, len, filename ? filename : "config", cfg, err,
			    NULL);
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
