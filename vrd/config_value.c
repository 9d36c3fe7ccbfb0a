/*
 * The value parsers of the config file: numbers, paths, interface names,
 * unicast addresses, peers, one config_set_*() per key. Pure, like the line
 * parser in config.c that calls them.
 */
#include "vrd/config_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IFNAME_MAX (IF_NAMESIZE - 1)
#define HOSTNAME_MAX 253
#define LABEL_MAX 63

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decimal digits only (no sign, no base prefix), min to max. */
static int number_parse(const char *s, unsigned long min, unsigned long max,
			uint32_t *out)
{
	unsigned long v;
	char *end;

	for (const char *t = s; *t; t++) {
		if (!is_digit(*t)) {
			return -EINVAL;
		}
	}
	if (!*s) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int set_number(struct config_parser *p, const char *what, const char *v,
		      unsigned long min, unsigned long max, uint32_t *out)
{
	char b[CONFIG_SHOW_BUF];

	if (number_parse(v, min, max, out) < 0) {
		return config_fail(
			p, "bad %s '%s': need a whole number from %lu to %lu",
			what, config_show(b, v), min, max);
	}
	return 0;
}

static int set_path(struct config_parser *p, const char *what, const char *v,
		    char *out, size_t size)
{
	size_t n = strlen(v);

	if (n >= size) {
		return config_fail(p, "%s is too long (at most %zu bytes)",
				   what, size - 1);
	}
	memcpy(out, v, n + 1);
	return 0;
}

/* Linux interface names: 1 to 15 of [A-Za-z0-9_.-], not "." or "..". */
static int set_ifname(struct config_parser *p, const char *v,
		      char out[IF_NAMESIZE])
{
	size_t n = strlen(v);
	char b[CONFIG_SHOW_BUF];
	bool ok = n >= 1 && n <= IFNAME_MAX && strcmp(v, ".") != 0 &&
		  strcmp(v, "..") != 0;

	for (size_t i = 0; ok && i < n; i++) {
		ok = is_alnum(v[i]) || v[i] == '_' || v[i] == '.' ||
		     v[i] == '-';
	}
	if (!ok) {
		return config_fail(
			p,
			"bad interface '%s': use 1 to %d characters of "
			"[A-Za-z0-9_.-]",
			config_show(b, v), IFNAME_MAX);
	}
	memcpy(out, v, n + 1);
	return 0;
}

/* An address another router can send to: not 0.0.0.0, not 224/3. */
static bool unicast(uint32_t a)
{
	return a != 0 && a < 0xe0000000u;
}

static int set_unicast(struct config_parser *p, const char *what, const char *v,
		       uint32_t *out)
{
	char b[CONFIG_SHOW_BUF];
	uint32_t a;

	if (vrd_ipv4_parse(v, &a) < 0) {
		return config_fail(p, "bad %s '%s': not an IPv4 address", what,
				   config_show(b, v));
	}
	if (!unicast(a)) {
		return config_fail(p, "bad %s '%s': not a unicast address",
				   what, config_show(b, v));
	}
	*out = a;
	return 0;
}

int config_set_name(struct config_parser *p, const char *v)
{
	char b[CONFIG_SHOW_BUF];

	if (!vrd_name_valid(v)) {
		return config_fail(
			p,
			"bad router name '%s': use 1 to %d characters of "
			"[A-Za-z0-9_.-]",
			config_show(b, v), VRD_NAME_MAX);
	}
	memcpy(p->cfg->name, v, strlen(v) + 1);
	return 0;
}

int config_set_state_dir(struct config_parser *p, const char *v)
{
	return set_path(p, "state_dir", v, p->cfg->state_dir,
			sizeof(p->cfg->state_dir));
}

int config_set_control(struct config_parser *p, const char *v)
{
	return set_path(p, "control", v, p->cfg->control,
			sizeof(p->cfg->control));
}

/* A group name as useradd takes it: 1 to 32 of [A-Za-z0-9_.-], no '-'
 * first. Whether the group exists is vrd_config_resolve()'s to say. */
static int set_group(struct config_parser *p, const char *what, const char *v,
		     char out[VRD_CONFIG_GROUP_MAX + 1])
{
	size_t n = strlen(v);
	char b[CONFIG_SHOW_BUF];
	bool ok = n >= 1 && n <= VRD_CONFIG_GROUP_MAX && v[0] != '-';

	for (size_t i = 0; ok && i < n; i++) {
		ok = is_alnum(v[i]) || v[i] == '_' || v[i] == '.' ||
		     v[i] == '-';
	}
	if (!ok) {
		return config_fail(p,
				   "bad %s '%s': a group name, 1 to %d "
				   "characters of [A-Za-z0-9_.-]",
				   what, config_show(b, v),
				   VRD_CONFIG_GROUP_MAX);
	}
	memcpy(out, v, n + 1);
	return 0;
}

int config_set_control_group(struct config_parser *p, const char *v)
{
	return set_group(p, "control_group", v, p->cfg->control_group);
}

int config_set_control_ro(struct config_parser *p, const char *v)
{
	return set_path(p, "control_ro", v, p->cfg->control_ro,
			sizeof(p->cfg->control_ro));
}

int config_set_control_ro_group(struct config_parser *p, const char *v)
{
	return set_group(p, "control_ro_group", v, p->cfg->control_ro_group);
}

int config_set_log_level(struct config_parser *p, const char *v)
{
	char b[CONFIG_SHOW_BUF];

	if (vrd_log_level_parse(v, &p->cfg->log_level) < 0) {
		return config_fail(
			p, "bad log_level '%s': use err, warn, info or debug",
			config_show(b, v));
	}
	return 0;
}

int config_set_events_max(struct config_parser *p, const char *v)
{
	return set_number(p, "events_max", v, 10, 10000000,
			  &p->cfg->events_max);
}

static int overlay_exclusive(struct config_parser *p, enum config_key other)
{
	if (p->key_line[other]) {
		return config_fail(p, "address and interface are exclusive");
	}
	p->cfg->line_overlay_addr = p->line;
	return 0;
}

int config_set_overlay_address(struct config_parser *p, const char *v)
{
	if (overlay_exclusive(p, K_OVERLAY_INTERFACE) < 0) {
		return -EINVAL;
	}
	return set_unicast(p, "address", v, &p->cfg->overlay_addr);
}

int config_set_overlay_interface(struct config_parser *p, const char *v)
{
	if (overlay_exclusive(p, K_OVERLAY_ADDRESS) < 0) {
		return -EINVAL;
	}
	return set_ifname(p, v, p->cfg->overlay_if);
}

int config_set_port(struct config_parser *p, const char *v)
{
	uint32_t port = 0;

	if (set_number(p, "port", v, 1, 65535, &port) < 0) {
		return -EINVAL;
	}
	p->cfg->port = (uint16_t)port;
	return 0;
}

/* RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], 1 to 63 bytes,
 * no hyphen at either end of a label, at most 253 bytes in all. */
static bool hostname_valid(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > HOSTNAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-') {
			return false;
		}
		if ((s[i] == '-' && label == 0) || ++label > LABEL_MAX) {
			return false;
		}
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
	if (i < n) {
		return hostname_valid(s, n);
	}
	if (n >= sizeof(addr)) {
		return false;
	}
	memcpy(addr, s, n);
	addr[n] = '\0';
	return vrd_ipv4_parse(addr, &a) == 0 && unicast(a);
}

int config_set_peer(struct config_parser *p, const char *v)
{
	struct vrd_config *cfg = p->cfg;
	struct vrd_config_peer *peer;
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	uint32_t port = 0;
	char b[CONFIG_SHOW_BUF];

	if (cfg->npeers == VRD_CONFIG_PEERS_MAX) {
		return config_fail(p, "too many peers (at most %d)",
				   VRD_CONFIG_PEERS_MAX);
	}
	if (!peer_host_valid(v, n)) {
		return config_fail(
			p,
			"bad peer '%s': need HOST[:PORT], HOST an IPv4 "
			"address or a DNS name",
			config_show(b, v));
	}
	if (colon && number_parse(colon + 1, 1, 65535, &port) < 0) {
		return config_fail(p, "bad peer '%s': port must be 1 to 65535",
				   config_show(b, v));
	}
	peer = &cfg->peers[cfg->npeers++];
	memcpy(peer->host, v, n);
	peer->host[n] = '\0';
	peer->port = (uint16_t)port; /* 0: [overlay] port, filled in later */
	peer->line = p->line;
	return 0;
}

int config_set_vn(struct config_parser *p, const char *v)
{
	return set_number(p, "vn", v, 1, 16777215, &p->cfg->vn);
}

int config_set_ca(struct config_parser *p, const char *v)
{
	p->cfg->line_ca = p->line;
	return set_path(p, "ca", v, p->cfg->ca, sizeof(p->cfg->ca));
}

int config_set_cert(struct config_parser *p, const char *v)
{
	p->cfg->line_cert = p->line;
	return set_path(p, "cert", v, p->cfg->cert, sizeof(p->cfg->cert));
}

int config_set_key(struct config_parser *p, const char *v)
{
	p->cfg->line_key = p->line;
	return set_path(p, "key", v, p->cfg->key, sizeof(p->cfg->key));
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int config_set_revoked(struct config_parser *p, const char *v)
{
	struct vrd_config *cfg = p->cfg;
	uint8_t *fp;
	char b[CONFIG_SHOW_BUF];

	if (cfg->nrevoked == VRD_CONFIG_REVOKED_MAX) {
		return config_fail(p,
				   "too many revoked certificates (at most "
				   "%d)",
				   VRD_CONFIG_REVOKED_MAX);
	}
	if (strlen(v) != 2 * VRD_CONFIG_FPBYTES) {
		goto bad;
	}
	fp = cfg->revoked[cfg->nrevoked];
	for (size_t i = 0; i < VRD_CONFIG_FPBYTES; i++) {
		int hi = hex_digit(v[2 * i]), lo = hex_digit(v[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			goto bad;
		}
		fp[i] = (uint8_t)(hi << 4 | lo);
	}
	cfg->nrevoked++;
	return 0;
bad:
	return config_fail(
		p,
		"bad revoked '%s': need a certificate's fingerprint, "
		"64 hex digits (vrctl ca show FILE)",
		config_show(b, v));
}

int config_set_lan_interface(struct config_parser *p, const char *v)
{
	return set_ifname(p, v, p->cfg->lan_if);
}

int config_set_network(struct config_parser *p, const char *v)
{
	const char *why = "";
	char b[CONFIG_SHOW_BUF];

	if (vrd_prefix_parse(v, &p->cfg->lan_network, &why) < 0) {
		return config_fail(p, "bad network '%s': %s", config_show(b, v),
				   why);
	}
	p->cfg->line_lan_network = p->line;
	return 0;
}

int config_set_hwdt_age(struct config_parser *p, const char *v)
{
	return set_number(p, "hwdt_age", v, 10, 86400, &p->cfg->hwdt_age_s);
}

int config_set_verify_moves(struct config_parser *p, const char *v)
{
	char b[CONFIG_SHOW_BUF];

	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
		p->cfg->verify_moves = v[0] == 'y';
		return 0;
	}
	return config_fail(p, "bad verify_moves '%s': need yes or no",
			   config_show(b, v));
}

int config_set_host_interface(struct config_parser *p, const char *v)
{
	return set_ifname(p, v, p->cfg->host_if);
}

int config_set_host_address(struct config_parser *p, const char *v)
{
	struct vrd_config *cfg = p->cfg;
	const char *why = "";
	char b[CONFIG_SHOW_BUF];
	uint32_t a, mask;
	uint8_t len;

	if (vrd_ifaddr_parse(v, &a, &len, &why) < 0) {
		return config_fail(p, "bad address '%s': %s", config_show(b, v),
				   why);
	}
	mask = vrd_prefix_mask(len);
	if (len <= 30 && a == (a & mask)) {
		return config_fail(
			p,
			"bad address '%s': the network address of its "
			"prefix, not a host",
			config_show(b, v));
	}
	if (len <= 30 && a == (a | ~mask)) {
		return config_fail(
			p,
			"bad address '%s': the broadcast address of its "
			"prefix, not a host",
			config_show(b, v));
	}
	cfg->host_addr = a;
	cfg->host_network.addr = a & mask;
	cfg->host_network.len = len;
	cfg->line_host_address = p->line;
	return 0;
}
