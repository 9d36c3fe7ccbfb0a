/*
 * libFuzzer harness for the config parser: any bytes in, and then
 * - on success: the name is valid, the mode is set, every required field
 *   is there, and the config written back out as text parses to the same
 *   values;
 * - on error: -EINVAL and one printable line "fuzz.conf:LINE: message"
 *   with LINE >= 1.
 * A broken invariant aborts (this is the harness, not the daemon).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrd/config.h"

#define FILE_NAME "fuzz.conf"

static struct vrd_config cfg, again;
static char text[VRD_CONFIG_PEERS_MAX * 300 + 8192];

#define check(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

static void error_check(const char *err)
{
	size_t n = strlen(FILE_NAME) + 1, len = strlen(err);

	check(strncmp(err, FILE_NAME ":", n) == 0);
	check(err[n] >= '1' && err[n] <= '9');
	while (err[n] >= '0' && err[n] <= '9') {
		n++;
	}
	check(strncmp(err + n, ": ", 2) == 0);
	check(len > n + 2 && len < VRD_CONFIG_ERR_MAX);
	for (size_t i = 0; i < len; i++) {
		check((unsigned char)err[i] >= 0x20 &&
		      (unsigned char)err[i] < 0x7f);
	}
}

/* Writes cfg back in the file format, every value explicit. */
static size_t config_write(const struct vrd_config *c)
{
	static const char *const levels[] = {"err", "warn", "info", "debug"};
	char a[VRD_IPV4_STRLEN], p[VRD_PREFIX_STRLEN];
	size_t n = 0;

#define out(...) n += (size_t)snprintf(text + n, sizeof(text) - n, __VA_ARGS__)
	out("[router]\nname = %s\nstate_dir = %s\ncontrol = %s\n", c->name,
	    c->state_dir, c->control);
	out("log_level = %s\nevents_max = %u\n", levels[c->log_level],
	    c->events_max);
	out("[overlay]\n");
	if (c->overlay_if[0]) {
		out("interface = %s\n", c->overlay_if);
	} else {
		out("address = %s\n", vrd_ipv4_format(c->overlay_addr, a));
	}
	out("port = %u\nvn = %u\n", c->port, c->vn);
	for (size_t i = 0; i < c->npeers; i++) {
		out("peer = %s:%u\n", c->peers[i].host, c->peers[i].port);
	}
	out("[security]\nca = %s\ncert = %s\nkey = %s\n", c->ca, c->cert,
	    c->key);
	if (c->mode == VRD_MODE_GATEWAY) {
		out("[lan]\ninterface = %s\nnetwork = %s\nhwdt_age = %u\n",
		    c->lan_if, vrd_prefix_format(&c->lan_network, p),
		    c->hwdt_age_s);
	} else {
		out("[host]\ninterface = %s\naddress = %s/%u\n", c->host_if,
		    vrd_ipv4_format(c->host_addr, a),
		    (unsigned)c->host_network.len);
	}
#undef out
	check(n < sizeof(text));
	return n;
}

static void same_check(const struct vrd_config *a, const struct vrd_config *b)
{
	check(strcmp(a->name, b->name) == 0);
	check(strcmp(a->state_dir, b->state_dir) == 0);
	check(strcmp(a->control, b->control) == 0);
	check(a->log_level == b->log_level && a->events_max == b->events_max);
	check(a->overlay_addr == b->overlay_addr);
	check(strcmp(a->overlay_if, b->overlay_if) == 0);
	check(a->port == b->port && a->vn == b->vn);
	check(a->npeers == b->npeers);
	for (size_t i = 0; i < a->npeers; i++) {
		check(strcmp(a->peers[i].host, b->peers[i].host) == 0 &&
		      a->peers[i].port == b->peers[i].port);
	}
	check(strcmp(a->ca, b->ca) == 0 && strcmp(a->cert, b->cert) == 0 &&
	      strcmp(a->key, b->key) == 0);
	check(a->mode == b->mode);
	check(strcmp(a->lan_if, b->lan_if) == 0);
	check(a->lan_network.addr == b->lan_network.addr &&
	      a->lan_network.len == b->lan_network.len);
	check(a->hwdt_age_s == b->hwdt_age_s);
	check(strcmp(a->host_if, b->host_if) == 0);
	check(a->host_addr == b->host_addr);
	check(a->host_network.addr == b->host_network.addr &&
	      a->host_network.len == b->host_network.len);
}

static void success_check(const struct vrd_config *c, const char *err)
{
	check(err[0] == '\0');
	check(c->file && strcmp(c->file, FILE_NAME) == 0);
	check(vrd_name_valid(c->name));
	check(c->mode == VRD_MODE_GATEWAY || c->mode == VRD_MODE_HOST);
	check(c->state_dir[0] && c->control[0] && c->ca[0] && c->cert[0] &&
	      c->key[0]);
	check(strlen(c->control) <= VRD_CONFIG_SOCK_MAX);
	check(c->log_level <= VRD_LOG_DEBUG);
	check(c->events_max >= 10 && c->events_max <= 10000000);
	check(!c->overlay_addr != !c->overlay_if[0]);
	check(c->port >= 1 && c->vn >= 1 && c->vn <= 16777215);
	check(c->npeers <= VRD_CONFIG_PEERS_MAX);
	for (size_t i = 0; i < c->npeers; i++) {
		check(c->peers[i].host[0] && c->peers[i].port >= 1 &&
		      c->peers[i].line >= 1);
	}
	check(c->line_router >= 1 && c->line_overlay >= 1 &&
	      c->line_overlay_addr >= 1);
	check(c->line_ca >= 1 && c->line_cert >= 1 && c->line_key >= 1);
	if (c->mode == VRD_MODE_GATEWAY) {
		check(c->lan_if[0] && !c->host_if[0]);
		check(c->line_lan_network >= 1);
		check(c->lan_network.len <= 32 &&
		      (c->lan_network.addr &
		       ~vrd_prefix_mask(c->lan_network.len)) == 0);
		check(c->hwdt_age_s >= 10 && c->hwdt_age_s <= 86400);
	} else {
		check(c->host_if[0] && !c->lan_if[0]);
		check(c->line_host_address >= 1);
		check(c->host_network.len <= 32);
		check(vrd_prefix_contains(&c->host_network, c->host_addr));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[VRD_CONFIG_ERR_MAX];
	size_t n;
	int rc;

	rc = vrd_config_parse((const char *)data, size, FILE_NAME, &cfg, err);
	if (rc < 0) {
		check(rc == -EINVAL);
		error_check(err);
		return 0;
	}
	check(rc == 0);
	success_check(&cfg, err);
	n = config_write(&cfg);
	rc = vrd_config_parse(text, n, FILE_NAME, &again, err);
	if (rc != 0) {
		fprintf(stderr, "written back: %s\n%s", err, text);
	}
	check(rc == 0);
	same_check(&cfg, &again);
	return 0;
}
