/*
 * Private to vrd/config*.c: the parser state that the line parser
 * (config.c) shares with the value parsers (config_value.c), and the parser
 * entry that the file reader (config_file.c) calls. Not part of the API:
 * include vrd/config.h instead.
 */
#ifndef VRD_CONFIG_INTERNAL_H
#define VRD_CONFIG_INTERNAL_H

#include "vrd/config.h"

#define CONFIG_SHOW_MAX 48 /* bytes of an operator's token quoted */
#define CONFIG_SHOW_BUF (CONFIG_SHOW_MAX + 4)

enum config_section {
	SEC_ROUTER,
	SEC_OVERLAY,
	SEC_SECURITY,
	SEC_LAN,
	SEC_HOST,
	SEC_COUNT,
	SEC_NONE = SEC_COUNT,
};

enum config_key {
	K_NAME,
	K_STATE_DIR,
	K_CONTROL,
	K_CONTROL_GROUP,
	K_CONTROL_RO,
	K_CONTROL_RO_GROUP,
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
	K_REVOKED,
	K_LAN_INTERFACE,
	K_NETWORK,
	K_HWDT_AGE,
	K_VERIFY_MOVES,
	K_HOST_INTERFACE,
	K_HOST_ADDRESS,
	K_COUNT,
};

struct config_parser {
	struct vrd_config *cfg;
	const char *file;
	char *err;
	unsigned line;
	enum config_section sec;
	unsigned sec_line[SEC_COUNT];
	unsigned key_line[K_COUNT]; /* first line of each key, 0: not seen */
};

/* config.c */

/* Parses text into cfg (see vrd_config_parse); key_line[] (may be NULL)
 * gets the line of every key, which vrd_config_load needs for messages
 * about state_dir and control. */
int config_parse(const char *text, size_t len, const char *file,
		 struct vrd_config *cfg, char *err, unsigned key_line[K_COUNT]);

/* Writes "FILE:LINE: message" to err unless an earlier error is there. */
void config_err_set(char *err, const char *file, unsigned line, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

/* The same for the parser's file; returns -EINVAL. */
int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define config_fail(p, ...) config_fail_at((p), (p)->line, __VA_ARGS__)

/* An operator's token, fit to quote: printable, cut at CONFIG_SHOW_MAX
 * bytes. Returns buf. */
const char *config_show(char buf[CONFIG_SHOW_BUF], const char *s);

/* config_value.c: one setter per key of the table in config.c. Each parses
 * v into p->cfg, or writes the error and returns -EINVAL. */
int config_set_name(struct config_parser *p, const char *v);
int config_set_state_dir(struct config_parser *p, const char *v);
int config_set_control(struct config_parser *p, const char *v);
int config_set_control_group(struct config_parser *p, const char *v);
int config_set_control_ro(struct config_parser *p, const char *v);
int config_set_control_ro_group(struct config_parser *p, const char *v);
int config_set_log_level(struct config_parser *p, const char *v);
int config_set_events_max(struct config_parser *p, const char *v);
int config_set_overlay_address(struct config_parser *p, const char *v);
int config_set_overlay_interface(struct config_parser *p, const char *v);
int config_set_port(struct config_parser *p, const char *v);
int config_set_peer(struct config_parser *p, const char *v);
int config_set_vn(struct config_parser *p, const char *v);
int config_set_ca(struct config_parser *p, const char *v);
int config_set_cert(struct config_parser *p, const char *v);
int config_set_key(struct config_parser *p, const char *v);
int config_set_revoked(struct config_parser *p, const char *v);
int config_set_lan_interface(struct config_parser *p, const char *v);
int config_set_network(struct config_parser *p, const char *v);
int config_set_hwdt_age(struct config_parser *p, const char *v);
int config_set_verify_moves(struct config_parser *p, const char *v);
int config_set_host_interface(struct config_parser *p, const char *v);
int config_set_host_address(struct config_parser *p, const char *v);

#endif
