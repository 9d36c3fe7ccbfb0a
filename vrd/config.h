/*
 * The vrd config file (INTERFACE.md): `key = value` lines in [sections],
 * `#` comments. The parser is pure (text in, struct out, no I/O) so it can
 * be fuzzed; vrd_config_load() reads the file and resolves relative paths
 * against the file's folder; vrd_config_check_files() looks at the files
 * the config names.
 *
 * Every error message is "FILE:LINE: message" (LINE 0 never appears: an
 * error about something missing points at the section header, or at line 1
 * when the whole section is missing).
 */
#ifndef VRD_CONFIG_H
#define VRD_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/log.h"

#define VRD_CONFIG_PEERS_MAX 256
#define VRD_CONFIG_ERR_MAX 512
#define VRD_CONFIG_HOST_MAX 255 /* a peer's host part */
#define VRD_CONFIG_PATH_MAX 1024
#define VRD_CONFIG_REVOKED_MAX 256 /* [security] revoked lines */
#define VRD_CONFIG_FPBYTES 32 /* a certificate fingerprint, SHA-256 */
#define VRD_CONFIG_SOCK_MAX 107 /* sun_path less the NUL */
#define VRD_CONFIG_GROUP_MAX 32 /* a group name: [A-Za-z0-9_.-], no '-' first */
#define VRD_DEFAULT_PORT 4800
#define VRD_DEFAULT_EVENTS_MAX 10000
#define VRD_DEFAULT_HWDT_AGE_S 600

enum vrd_mode {
	VRD_MODE_GATEWAY = 1, /* [lan] */
	VRD_MODE_HOST, /* [host] */
};

struct vrd_config_peer {
	char host[VRD_CONFIG_HOST_MAX + 1]; /* IPv4 literal or DNS name */
	uint16_t port; /* default: [overlay] port */
	unsigned line;
};

struct vrd_config {
	const char *file; /* borrowed: the name errors point at */
	/* the config file as vrd_config_load() read it (fstat of that fd) */
	bool file_stat_known;
	uint32_t file_uid;
	uint32_t file_mode;

	/* [router] */
	char name[VRD_NAME_MAX + 1];
	char state_dir[VRD_CONFIG_PATH_MAX]; /* default /var/lib/vrd/NAME */
	char control[VRD_CONFIG_SOCK_MAX + 1]; /* default /run/vrd/NAME.sock */
	char control_group[VRD_CONFIG_GROUP_MAX + 1]; /* may use control */
	char control_ro[VRD_CONFIG_SOCK_MAX + 1]; /* read-only; "": none */
	char control_ro_group[VRD_CONFIG_GROUP_MAX +
			      1]; /* may use control_ro */
	unsigned line_control_group, line_control_ro_group;
	/* the groups' ids, set by vrd_config_resolve() */
	bool has_control_gid, has_control_ro_gid;
	uint32_t control_gid, control_ro_gid;
	enum vrd_log_level log_level; /* log_level = info */
	uint32_t events_max; /* events_max = 10000 */
	unsigned line_router;

	/* [overlay] */
	uint32_t overlay_addr; /* address = ... (host order) */
	char overlay_if[IF_NAMESIZE]; /* interface = ... */
	uint16_t port;
	struct vrd_config_peer peers[VRD_CONFIG_PEERS_MAX];
	size_t npeers;
	uint32_t vn;
	unsigned line_overlay, line_overlay_addr;

	/* [security] */
	char ca[VRD_CONFIG_PATH_MAX];
	char cert[VRD_CONFIG_PATH_MAX];
	char key[VRD_CONFIG_PATH_MAX];
	unsigned line_ca, line_cert, line_key;
	/* [security] revoked: certificates refused (SHA-256 fingerprints) */
	uint8_t revoked[VRD_CONFIG_REVOKED_MAX][VRD_CONFIG_FPBYTES];
	size_t nrevoked;

	enum vrd_mode mode;
	/* [lan] */
	char lan_if[IF_NAMESIZE];
	struct vrd_prefix lan_network;
	uint32_t hwdt_age_s; /* hwdt_age = 600 */
	bool verify_moves; /* verify_moves = yes: probe before yielding */
	unsigned line_lan_network;
	/* [host] */
	char host_if[IF_NAMESIZE];
	uint32_t host_addr; /* the VM's virtual IP */
	struct vrd_prefix host_network; /* its prefix, routed into the TUN */
	unsigned line_host_address;
};

/*
 * Parses text (len bytes, need not be NUL-terminated) into cfg. filename
 * is only used in messages. Relative paths are kept as written. On error
 * returns -EINVAL and writes "FILE:LINE: message" to err.
 */
int vrd_config_parse(const char *text, size_t len, const char *filename,
		     struct vrd_config *cfg, char err[VRD_CONFIG_ERR_MAX]);

/* Reads and parses path, then makes relative paths (state_dir, control,
 * ca, cert, key) relative to the folder of path. */
int vrd_config_load(const char *path, struct vrd_config *cfg,
		    char err[VRD_CONFIG_ERR_MAX]);

/*
 * The files vrd trusts (issue 12). The config file itself, as it was read,
 * and the key: owned by root or by the user vrd runs as (geteuid()), and
 * not writable by group or others ("FILE: ..." for the config). ca, cert
 * and key exist and are regular files; ca and cert are not writable by
 * others, the key not readable by group or others. "FILE:LINE: ..."
 */
int vrd_config_check_files(const struct vrd_config *cfg,
			   char err[VRD_CONFIG_ERR_MAX]);

/* The names the system must know: control_group and control_ro_group
 * become group ids. "FILE:LINE: no group NAME" */
int vrd_config_resolve(struct vrd_config *cfg, char err[VRD_CONFIG_ERR_MAX]);

const char *vrd_mode_name(enum vrd_mode mode); /* "gateway" / "host" */

#endif
