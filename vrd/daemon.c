/* The daemon's life: start-up checks, the loop, reload, stop. */
#include "vrd/daemon.h"
#include "vrd/migrate.h"
#include "gossip/cert.h"
#include "base/clock.h"
#include "vrd/lan.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOUSEKEEPING_MS 5000
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

/* The certificate must name this router and cover what it serves. */
static int check_trust(const struct vrd_config *cfg,
		       char err[VRD_CONFIG_ERR_MAX])
{
	char why[256];
	struct vrd_prefix net;
	unsigned line;
	int rc;

	if (cfg->mode == VRD_MODE_GATEWAY) {
		net = cfg->lan_network;
		line = cfg->line_lan_network;
	} else {
		net = (struct vrd_prefix){.addr = cfg->host_addr, .len = 32};
		line = cfg->line_host_address;
	}
	rc = gossip_trust_check(cfg->ca, cfg->cert, cfg->key, cfg->name, &net,
				cfg->vn, (uint64_t)time(NULL), why,
				sizeof(why));
	if (rc < 0) {
		/* a network the certificate does not cover is the network
		 * line's fault; anything else is the certificate's */
		if (rc != -EPERM) {
			line = cfg->line_cert;
		}
		snprintf(err, VRD_CONFIG_ERR_MAX, "%s:%u: %s", cfg->file, line,
			 why);
	}
	return rc;
}

static int load_and_check(const char *path, struct vrd_config *cfg,
			  char err[VRD_CONFIG_ERR_MAX])
{
	int rc = vrd_config_load(path, cfg, err);

	if (rc == 0) {
		rc = vrd_config_check_files(cfg, err);
	}
	if (rc == 0) {
		rc = vrd_config_resolve(cfg, err);
	}
	if (rc == 0) {
		rc = check_trust(cfg, err);
	}
	return rc;
}

int vrd_daemon_check(const char *config_path)
{
	static struct vrd_config cfg;
	char err[VRD_CONFIG_ERR_MAX];

	if (load_and_check(config_path, &cfg, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("configuration OK\n");
	return 0;
}

/* Gateway mode routes between the LAN and the overlay. */
static int enable_forwarding(void)
{
	char was = '?';
	int fd = open(IP_FORWARD, O_RDWR | O_CLOEXEC);

	if (fd < 0 || read(fd, &was, 1) != 1 || lseek(fd, 0, SEEK_SET) < 0 ||
	    write(fd, "1\n", 2) != 2) {
		int rc = -errno;

		log_err("gateway mode: cannot enable ipv4 forwarding: %s",
			strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return rc;
	}
	close(fd);
	log_info("gateway mode: ipv4 forwarding enabled in this network "
		 "namespace (was %c)",
		 was);
	return 0;
}

/* Writes "0" to a sysctl file; 0 or a negative errno. */
static int sysctl_zero(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		return -errno;
	}
	if (write(fd, "0\n", 2) != 2) {
		rc = -errno;
	}
	close(fd);
	return rc;
}

/*
 * No ICMP redirects from the LAN side. A host that migrated in talks to
 * its neighbours' subnets through this router; a redirect would teach it
 * to reach a host of this LAN directly, a route it keeps (for minutes)
 * when it migrates on, and which is a dead end on any other LAN. The
 * effective setting is "all" or the interface's, so both go.
 */
static int disable_redirects(const char *lan_if)
{
	char path[128];
	int rc;

	snprintf(path, sizeof(path),
		 "/proc/sys/net/ipv4/conf/%s/send_redirects", lan_if);
	rc = sysctl_zero(path);
	if (rc == 0) {
		rc = sysctl_zero("/proc/sys/net/ipv4/conf/all/send_redirects");
	}
	if (rc < 0) {
		log_err("gateway mode: cannot turn off icmp redirects on %s: "
			"%s",
			lan_if, strerror(-rc));
		return rc;
	}
	log_info("gateway mode: icmp redirects off on %s (hosts that migrate "
		 "in keep this router as their gateway)",
		 lan_if);
	return 0;
}

/*
 * One daemon per state_dir: LMDB would let two processes share the
 * tables, but two routers writing one GNDT would fight. Taken right after
 * tables_open (which creates the dir; LMDB itself is safe to open twice);
 * the lock file holds the owner's pid for the message.
 */
static int lock_state_dir(const char *dir, int *out)
{
	char path[VRD_CONFIG_PATH_MAX + 16], pid[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "%s/vrd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("state dir %s: %s: %s", dir, path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = -errno;

		n = (int)read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_err("state dir %s is in use by another vrd (pid %s)", dir,
			pid[0] ? pid : "?");
		close(fd);
		return rc == -EWOULDBLOCK ? -EBUSY : rc;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		log_warn("state dir %s: cannot write the pid to %s", dir, path);
	}
	*out = fd;
	return 0;
}

/*
 * --fresh, after the tables refused a damaged data.mdb (-EUCLEAN): under
 * the state dir's lock, so no running vrd loses its files, the broken
 * environment goes aside and a new one is made. Loud, because what goes
 * with it is the record of every sequence number this router used.
 */
static int start_over(struct vrd_daemon *d, const struct tables_options *o)
{
	const char *dir = d->cfg.state_dir;
	char suffix[TABLES_ASIDE_SUFFIX_MAX];
	int rc;

	rc = lock_state_dir(dir, &d->lock_fd);
	if (rc < 0) {
		return rc;
	}
	rc = tables_set_aside(dir, suffix);
	if (rc == 0) {
		rc = tables_open(&d->tables, dir, o);
	}
	if (rc < 0) {
		close(d->lock_fd);
		return rc;
	}
	log_warn("state dir %s: --fresh: started over with new tables; the "
		 "damaged ones are kept as *.mdb.%s",
		 dir, suffix);
	log_warn("state dir %s: the sequence history is lost: this router's "
		 "gossip incarnation and the claims' sequence numbers start "
		 "again from zero; peers that remember higher numbers may "
		 "ignore its news and its claims until they relearn them "
		 "(watch vrctl peers and vrctl events)",
		 dir);
	vrd_daemon_event(d, "tables-reset", "dir", dir, "kept", suffix, NULL);
	return 0;
}

/* tables_open, then the state dir's lock; with fresh, start_over a
 * damaged environment. A sound one is kept whatever fresh says. */
static int open_tables(struct vrd_daemon *d, bool fresh)
{
	struct tables_options topt = {
		.router_name = d->cfg.name,
		.events_max = d->cfg.events_max,
	};
	const char *dir = d->cfg.state_dir;
	int rc;

	rc = tables_open(&d->tables, dir, &topt);
	if (rc == -EUCLEAN && fresh) {
		return start_over(d, &topt);
	}
	if (rc == -EUCLEAN) {
		log_err("state dir %s: the tables are damaged; vrd will not "
			"start on them, nor replace them silently. To start "
			"over with new tables (the damaged ones are kept "
			"aside), losing the sequence history, run vrd once "
			"with --fresh",
			dir);
	}
	if (rc < 0) {
		log_err("state dir %s: cannot open the tables: %s", dir,
			strerror(-rc));
		return rc;
	}
	if (fresh) {
		log_info("state dir %s: --fresh: the tables are sound, kept",
			 dir);
	}
	rc = lock_state_dir(dir, &d->lock_fd);
	if (rc < 0) {
		tables_close(d->tables);
	}
	return rc;
}

static void housekeeping(struct vrd_loop *loop, struct vrd_timer *t, void *arg);

struct expire_arg {
	uint64_t cutoff;
	int expired;
};

static int expire_txn(struct tables_txn *txn, void *arg)
{
	struct expire_arg *a = arg;

	a->expired = tables_hwdt_expire(txn, a->cutoff, NULL, NULL);
	return a->expired < 0 ? a->expired : 0;
}

static void housekeeping(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct vrd_daemon *d = arg;
	struct expire_arg a = {
		.cutoff =
			vrd_wallclock_ms() - (uint64_t)d->cfg.hwdt_age_s * 1000,
	};

	if (d->cfg.mode == VRD_MODE_GATEWAY &&
	    tables_write(d->tables, expire_txn, &a) == 0 && a.expired > 0) {
		d->stats.hwdt_expired += (uint64_t)a.expired;
		log_debug("hwdt: %d entries aged out", a.expired);
	}
	tables_fib_reclaim(d->fib);
	if (d->lan) {
		vrd_lan_refresh_own(d->lan); /* addresses may change */
	}
	vrd_timer_arm(loop, t, HOUSEKEEPING_MS);
}

/* What a reload cannot change without a restart; NULL when none. */
static const char *needs_restart(const struct vrd_config *a,
				 const struct vrd_config *b)
{
	if (strcmp(a->name, b->name)) {
		return "[router] name";
	}
	if (strcmp(a->state_dir, b->state_dir)) {
		return "[router] state_dir";
	}
	if (strcmp(a->control, b->control) ||
	    strcmp(a->control_ro, b->control_ro) ||
	    a->has_control_gid != b->has_control_gid ||
	    a->control_gid != b->control_gid ||
	    a->has_control_ro_gid != b->has_control_ro_gid ||
	    a->control_ro_gid != b->control_ro_gid) {
		return "[router] control, control_ro or their groups";
	}
	if (a->events_max != b->events_max) {
		return "[router] events_max"; /* the tables take it at open */
	}
	if (a->mode != b->mode) {
		return "the mode ([lan] or [host])";
	}
	if (strcmp(a->lan_if, b->lan_if) || strcmp(a->host_if, b->host_if)) {
		return "the interface";
	}
	if (a->overlay_addr != b->overlay_addr ||
	    strcmp(a->overlay_if, b->overlay_if) || a->port != b->port) {
		return "the [overlay] address or port";
	}
	return NULL;
}

static void reload(struct vrd_daemon *d)
{
	static struct vrd_config next;
	char err[VRD_CONFIG_ERR_MAX];
	const char *what;

	d->stats.reloads++;
	if (load_and_check(d->config_path, &next, err) < 0) {
		d->stats.reload_errors++;
		log_err("reload: %s; the old config stays in force", err);
		vrd_daemon_event(d, "config-rejected", "reason", err, NULL);
		return;
	}
	what = needs_restart(&d->cfg, &next);
	if (what) {
		d->stats.reload_errors++;
		log_err("reload: %s changed, which needs a restart; the old "
			"config stays in force",
			what);
		vrd_daemon_event(d, "config-rejected", "reason", what, NULL);
		return;
	}
	if (vrd_daemon_sync_config(d, &next) < 0) {
		d->stats.reload_errors++;
		vrd_daemon_sync_config(d, &d->cfg);
		return;
	}
	vrd_daemon_gossip_reconfig(d, &d->cfg, &next);
	d->cfg = next;
	d->cfg.file = d->config_path;
	vrd_daemon_gossip_reload_cert(d); /* a renewed one (docs/trust.md) */
	vrd_log_set_level(d->cfg.log_level);
	log_info("reload: config %s in force", d->config_path);
	vrd_daemon_event(d, "config-reloaded", NULL);
}

static void on_signal(struct vrd_loop *loop, int signo, void *arg)
{
	struct vrd_daemon *d = arg;

	if (signo == SIGHUP) {
		reload(d);
		return;
	}
	log_info("%s: stopping", signo == SIGTERM ? "sigterm" : "sigint");
	vrd_loop_stop(loop);
}

/* The control socket, or with read_only the monitoring one: the group
 * of each may use it beside root and us. 0, or logs why not. */
static int control_open(struct vrd_daemon *d, struct vrd_control **out,
			bool read_only)
{
	const struct vrd_config *c = &d->cfg;
	char why[256];
	struct vrd_control_options opt = {
		.path = read_only ? c->control_ro : c->control,
		.read_only = read_only,
		.has_group = c->has_control_gid,
		.group = c->control_gid,
		.why = why,
		.why_size = sizeof(why),
	};

	if (read_only && c->has_control_ro_gid) {
		opt.group = c->control_ro_gid;
	}
	opt.has_group = opt.has_group || (read_only && c->has_control_ro_gid);
	*out = vrd_control_create(d->loop, &opt, vrd_daemon_control, d);
	if (!*out) {
		int rc = -errno;

		log_err("%s socket %s: %s",
			read_only ? "control_ro" : "control", opt.path,
			why[0]		    ? why
			: rc == -EADDRINUSE ? "another vrd is answering on it"
					    : strerror(-rc));
		return rc;
	}
	return 0;
}

int vrd_daemon_start(struct vrd_daemon *d, const char *config_path, bool fresh)
{
	char err[VRD_CONFIG_ERR_MAX];
	int rc;

	memset(d, 0, sizeof(*d));
	d->config_path = config_path;
	rc = load_and_check(config_path, &d->cfg, err);
	if (rc < 0) {
		log_err("%s", err);
		return rc;
	}
	vrd_log_set_level(d->cfg.log_level);
	if (d->cfg.mode == VRD_MODE_GATEWAY &&
	    if_nametoindex(d->cfg.lan_if) == 0) {
		log_err("%s:%u: [lan] interface %s: %s", d->cfg.file,
			d->cfg.line_lan_network, d->cfg.lan_if,
			strerror(errno));
		return -ENODEV;
	}
	d->loop = vrd_loop_create();
	d->fib = tables_fib_slot_create();
	if (!d->loop || !d->fib) {
		rc = -ENOMEM;
		goto err_loop;
	}
	rc = open_tables(d, fresh);
	if (rc < 0) {
		goto err_loop;
	}
	rc = vrd_daemon_sync_config(d, &d->cfg);
	if (rc < 0) {
		goto err_tables;
	}
	if (d->cfg.mode == VRD_MODE_GATEWAY) {
		rc = enable_forwarding();
		if (rc == 0) {
			rc = disable_redirects(d->cfg.lan_if);
		}
		if (rc < 0) {
			goto err_tables;
		}
		d->lan = vrd_lan_create(d);
		d->migrate = vrd_migrate_create(d);
		if (!d->lan || !d->migrate) {
			rc = -EIO;
			goto err_tables;
		}
	}
	rc = control_open(d, &d->control, false);
	if (rc == 0 && d->cfg.control_ro[0]) {
		rc = control_open(d, &d->control_ro, true);
	}
	if (rc < 0) {
		goto err_control;
	}
	rc = vrd_daemon_dp_start(d);
	if (rc < 0) {
		goto err_control;
	}
	rc = vrd_daemon_gossip_start(d);
	if (rc < 0) {
		goto err_dp;
	}
	rc = vrd_daemon_dp_attach(d);
	if (rc < 0) {
		goto err_gossip;
	}
	/* the snapshot was built from the tables before migration existed,
	 * and a refresh that finds the GNDT unchanged tells nobody: hosts
	 * that were away (or visiting) before a restart get their proxy ARP
	 * back now, not at the next change of the GNDT */
	if (d->migrate) {
		vrd_migrate_fib(d->migrate);
	}
	if ((rc = vrd_loop_signal(d->loop, SIGTERM, on_signal, d)) < 0 ||
	    (rc = vrd_loop_signal(d->loop, SIGINT, on_signal, d)) < 0 ||
	    (rc = vrd_loop_signal(d->loop, SIGHUP, on_signal, d)) < 0) {
		log_err("signals: %s", strerror(-rc));
		goto err_gossip;
	}
	vrd_timer_init(&d->housekeeping, housekeeping, d);
	vrd_timer_arm(d->loop, &d->housekeeping, HOUSEKEEPING_MS);
	d->started_mono_ms = vrd_monotonic_ms();
	d->started_wall_ms = vrd_wallclock_ms();
	vrd_daemon_event(d, "router-start", "name", d->cfg.name, "mode",
			 vrd_mode_name(d->cfg.mode), "version", VRD_VERSION,
			 NULL);
	log_info("router %s: %s mode, state in %s, control on %s", d->cfg.name,
		 vrd_mode_name(d->cfg.mode), d->cfg.state_dir, d->cfg.control);
	return 0;

err_gossip:
	vrd_daemon_gossip_stop(d);
err_dp:
	vrd_daemon_dp_stop(d);
err_control:
	vrd_control_destroy(d->control_ro);
	vrd_control_destroy(d->control);
err_tables:
	vrd_migrate_destroy(d->migrate);
	vrd_lan_destroy(d->lan);
	close(d->lock_fd);
	tables_close(d->tables);
err_loop:
	tables_fib_slot_destroy(d->fib);
	vrd_loop_destroy(d->loop);
	memset(d, 0, sizeof(*d));
	return rc;
}

int vrd_daemon_run(struct vrd_daemon *d)
{
	return vrd_loop_run(d->loop);
}

void vrd_daemon_stop(struct vrd_daemon *d)
{
	vrd_daemon_event(d, "router-stop", "name", d->cfg.name, NULL);
	vrd_daemon_gossip_stop(d);
	vrd_daemon_dp_stop(d);
	vrd_control_destroy(d->control_ro);
	vrd_control_destroy(d->control);
	vrd_migrate_destroy(d->migrate);
	vrd_lan_destroy(d->lan);
	vrd_timer_cancel(d->loop, &d->housekeeping);
	tables_close(d->tables);
	close(d->lock_fd);
	tables_fib_slot_destroy(d->fib);
	vrd_loop_destroy(d->loop);
	log_info("router %s: stopped", d->cfg.name);
}
