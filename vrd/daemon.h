/*
 * The router daemon: owns the config, the event loop, the tables, the
 * forwarding snapshot, the control socket and the gossip node, and ties
 * them together.
 */
#ifndef VRD_DAEMON_H
#define VRD_DAEMON_H

#include <stdint.h>

#include "gossip/cert.h"
#include "tables/fib.h"
#include "tables/tables.h"
#include "vrd/config.h"
#include "vrd/control.h"
#include "base/counter.h"
#include "vrd/loop.h"

struct gossip_node;
struct vrd_daemon_gossip;
struct vrd_daemon_dp;
struct vrd_migrate;

struct vrd_daemon_stats {
	uint64_t fib_rebuilds;
	uint64_t fib_build_us_last;
	uint64_t hwdt_expired;
	uint64_t reloads;
	uint64_t reload_errors;
};

struct vrd_daemon {
	const char *config_path; /* borrowed from argv */
	struct vrd_config cfg;
	struct vrd_loop *loop;
	struct tables *tables;
	int lock_fd; /* flock on state_dir/vrd.lock */
	struct tables_fib_slot *fib;
	struct vrd_control *control;
	struct vrd_control *control_ro; /* [router] control_ro, or NULL */
	struct vrd_lan *lan; /* gateway mode only */
	/* gossip (daemon_gossip.c): the node, this router's key (owned),
	 * certificate and the CA's public key, and the glue's own state */
	struct gossip_node *gossip;
	struct gossip_key *key;
	struct gossip_cert cert;
	struct gossip_pub ca;
	struct vrd_daemon_gossip *gs;
	struct vrd_daemon_dp *dps; /* the data plane (daemon_dp.c) */
	struct vrd_migrate *migrate; /* gateway mode (migrate.c) */
	struct vrd_timer housekeeping;
	uint64_t started_mono_ms;
	uint64_t started_wall_ms;
	struct vrd_daemon_stats stats;
};

/*
 * `vrd -n`: checks the config and the key and certificate it names; prints
 * "FILE:LINE: message" or "configuration OK". Returns the exit status.
 */
int vrd_daemon_check(const char *config_path);

/* Start-up: every failure is logged ("FILE:LINE: ..." for config ones)
 * and returns a negative errno with nothing left behind. */
int vrd_daemon_start(struct vrd_daemon *d, const char *config_path, bool fresh);
int vrd_daemon_run(struct vrd_daemon *d);
/* Clean stop: control socket closed and unlinked, tables closed. */
void vrd_daemon_stop(struct vrd_daemon *d);

/* daemon_sync.c: make the LNDT and GNDT hold what the config says this
 * router serves (source/origin "config"/"local"), removing what an older
 * config said and this one does not. */
int vrd_daemon_sync_config(struct vrd_daemon *d, const struct vrd_config *cfg);
/* Rebuilds and publishes the forwarding snapshot if the GNDT changed. */
int vrd_daemon_fib_refresh(struct vrd_daemon *d, bool force);
/* Appends an event (type and NULL-terminated key, value pairs). */
int vrd_daemon_event(struct vrd_daemon *d, const char *type, ...);

/* daemon_ctl.c: answers one control request. */
void vrd_daemon_control(const struct vrd_ctl_request *req,
			struct vrd_reply *rep, void *arg);

/*
 * daemon_gossip.c. start: loads the key, certificate and CA, resolves the
 * bootstrap peers, creates the node (fds and timer in the loop) and
 * publishes this router's network; needs the loop, the tables and the
 * control socket. Logs and returns a negative errno on failure, with
 * nothing left behind. stop: leaves the overlay and frees; NULL-safe, and
 * before the tables close.
 */
int vrd_daemon_gossip_start(struct vrd_daemon *d);
void vrd_daemon_gossip_stop(struct vrd_daemon *d);
/* SIGHUP: [security] cert read again; a renewed one (same name and key,
 * signed by our CA, valid) is put in use, anything else refused and
 * logged (cert-renewed, cert-rejected). */
void vrd_daemon_gossip_reload_cert(struct vrd_daemon *d);
/* A reload changed what this router serves: withdraw old, publish new. */
void vrd_daemon_gossip_reconfig(struct vrd_daemon *d,
				const struct vrd_config *old,
				const struct vrd_config *cur);
/* vrctl peers, claim IP MAC, query MAC (deferred: answered by the node's
 * query_done); counters "gossip.*" to fn. */
void vrd_daemon_ctl_peers(struct vrd_daemon *d, struct vrd_reply *rep);
void vrd_daemon_ctl_claim(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep);
void vrd_daemon_ctl_query(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep);
int vrd_daemon_gossip_counters(struct vrd_daemon *d,
			       int (*fn)(const char *name, uint64_t value,
					 void *arg),
			       void *arg);

/*
 * daemon_dp.c: the data plane. start (before gossip, which sends through
 * its UDP socket): the TUN, routes a killed vrd left, the socket and the
 * threads. attach (after gossip): keys, fds and timer in the loop, the
 * first routes. stop: threads, TUN and our routes gone; NULL-safe.
 */
int vrd_daemon_dp_start(struct vrd_daemon *d);
int vrd_daemon_dp_attach(struct vrd_daemon *d);
void vrd_daemon_dp_stop(struct vrd_daemon *d);
/* The forwarding snapshot changed: kernel routes follow. */
void vrd_daemon_dp_routes(struct vrd_daemon *d);
/* From gossip: a router's state and address; a direct message for us;
 * the node's datagrams out through the data plane's socket (its
 * ops.udp_send, arg the daemon). */
void vrd_daemon_dp_peer(struct vrd_daemon *d, const char *name, uint32_t addr,
			uint16_t port, int state);
/* From gossip: the router is ALIVE at a higher incarnation. It may have
 * restarted and lost both session keys without ever going down here:
 * fresh keys are exchanged at the next tick, whether traffic waits or not
 * (the current ones stay in use until then). */
void vrd_daemon_dp_peer_renewed(struct vrd_daemon *d, const char *name);
void vrd_daemon_dp_direct(struct vrd_daemon *d, const char *from,
			  const uint8_t *msg, size_t len);
int vrd_daemon_dp_udp_send(uint32_t addr, uint16_t port, const uint8_t *buf,
			   size_t len, void *arg);
/* Counters "dp.*"; `vrctl tunnels`, a row per peer. */
int vrd_daemon_dp_counters(struct vrd_daemon *d, vrd_counter_fn fn, void *arg);
void vrd_daemon_ctl_tunnels(struct vrd_daemon *d, struct vrd_reply *rep);
/* A direct message to router `to`, sealed with crypto_box between the
 * two routers' certified keys (kinds below 16 are the data plane's own).
 * 0 or a negative errno. */
#define DP_MSG_HOSTS 16 /* migrate.c: the home LAN's hosts */
#define DP_MSG_SEEK 17 /* migrate.c: where is this host of my LAN? */
int vrd_daemon_dp_send_sealed(struct vrd_daemon *d, const char *to,
			      uint8_t kind, const uint8_t *msg, size_t len);
/* The same to every peer that is up: how many it went to, or a negative
 * errno when the data plane is off. */
int vrd_daemon_dp_send_sealed_all(struct vrd_daemon *d, uint8_t kind,
				  const uint8_t *msg, size_t len);
/* daemon_gossip_ctl.c: this router claims (vn, ip/32, mac) as here now:
 * claims table, GNDT, LNDT, forwarding snapshot, gossip. 0, -EBUSY when
 * the address is frozen (too many moves), -EACCES when the certificate
 * does not let this router host it (gossip_cert_may_host), or a negative
 * errno. */
int vrd_daemon_claim(struct vrd_daemon *d, uint32_t vn, uint32_t ip,
		     const struct vrd_mac *mac);
/* After a call that may have sent gossip: let the node run. */
void vrd_daemon_gossip_kick(struct vrd_daemon *d);

#endif
