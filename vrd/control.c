#include "vrd/control.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13; older libc headers lack it */
#endif
#define PEER_GROUPS_MAX 256

struct client {
	struct vrd_control *ctl;
	int fd;
	struct vrd_buf in, out;
	bool answered;
	bool deferred; /* the handler answers later, under handle */
	bool denied; /* its credentials fail: answered with an error */
	uint32_t uid;
	uint64_t handle;
	uint64_t since_ms; /* accepted, loop time */
	struct vrd_timer idle;
};

struct vrd_control {
	struct vrd_loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool read_only;
	bool has_group;
	gid_t group;
	vrd_control_fn fn;
	void *arg;
	struct client *clients[VRD_CONTROL_CLIENTS_MAX];
	struct vrd_control_stats stats;
	struct vrd_ratelimit rl;
	struct client *answering; /* whose request fn is answering now */
	uint64_t next_handle;
};

static void client_close(struct client *c)
{
	struct vrd_control *ctl = c->ctl;

	for (size_t i = 0; i < VRD_CONTROL_CLIENTS_MAX; i++) {
		if (ctl->clients[i] == c) {
			ctl->clients[i] = NULL;
		}
	}
	vrd_loop_fd_del(ctl->loop, c->fd);
	vrd_timer_cancel(ctl->loop, &c->idle);
	close(c->fd);
	vrd_buf_free(&c->in);
	vrd_buf_free(&c->out);
	free(c);
}

static void client_idle(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct client *c = arg;

	c->ctl->stats.timeouts++;
	client_close(c);
}

static void client_flush(struct client *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				break;
			}
			client_close(c); /* vrctl went away: nothing to do */
			return;
		}
		vrd_buf_consume(&c->out, (size_t)n);
	}
	if (c->out.len == 0) {
		/* one request per connection: the reply is complete */
		client_close(c);
		return;
	}
	vrd_loop_fd_events(c->ctl->loop, c->fd, POLLOUT);
}

/* Encodes rep into c's output: 0, or -ENOMEM when not even an error
 * reply fits (the client should go). */
static int client_queue(struct client *c, const struct vrd_reply *rep)
{
	struct vrd_control *ctl = c->ctl;
	struct vrd_reply err;
	int rc;

	ctl->stats.requests++;
	if (rep->status != 0) {
		ctl->stats.errors++;
	}
	if (vrd_ctl_put_reply(&c->out, rep) == 0) {
		c->answered = true;
		return 0;
	}
	/* too large or no memory: say so instead of a partial reply */
	c->out.len = 0;
	vrd_reply_init(&err, VRD_REPLY_NONE);
	vrd_reply_error(&err, -ENOMEM, "reply too large");
	rc = vrd_ctl_put_reply(&c->out, &err);
	vrd_reply_free(&err);
	if (rc < 0) {
		return rc;
	}
	c->answered = true;
	return 0;
}

static void client_answer(struct client *c, const uint8_t *body, size_t len)
{
	struct vrd_control *ctl = c->ctl;
	struct vrd_ctl_request req;
	struct vrd_reply rep;
	int rc = 0;

	if (vrd_ctl_parse_request(body, len, &req) < 0 || req.argc < 1) {
		ctl->stats.bad_frames++;
		log_ratelimited(&ctl->rl, VRD_LOG_WARN,
				"control: malformed request dropped");
		client_close(c);
		return;
	}
	vrd_reply_init(&rep, VRD_REPLY_NONE);
	if (c->denied) {
		vrd_reply_error(&rep, -EACCES,
				"permission denied: uid %u is neither root nor "
				"the user vrd runs as%s",
				(unsigned)c->uid,
				ctl->has_group ? " nor in its control group"
					       : "");
	} else if (ctl->read_only && !vrd_control_request_reads(&req)) {
		ctl->stats.read_only_refused++;
		vrd_reply_error(&rep, -EPERM,
				"%s: this control socket is read-only "
				"(status, peers, tables, route, events, stats)",
				req.argv[0]);
	} else {
		ctl->answering = c;
		ctl->fn(&req, &rep, ctl->arg);
		ctl->answering = NULL;
	}
	if (!c->deferred) {
		rc = client_queue(c, &rep);
	}
	vrd_reply_free(&rep);
	if (rc < 0) {
		client_close(c);
		return;
	}
	if (!c->answered) {
		/* deferred: only a hang-up matters until the answer comes */
		vrd_loop_fd_events(ctl->loop, c->fd, 0);
		return;
	}
	client_flush(c);
}

static void client_event(struct vrd_loop *loop, int fd, short revents,
			 void *arg)
{
	struct client *c = arg;
	const uint8_t *body;
	size_t body_len;
	uint8_t type;
	long frame;

	if (c->answered || c->deferred) {
		if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
			client_close(c);
		} else if (c->answered) {
			client_flush(c);
		}
		return;
	}
	if (vrd_buf_reserve(&c->in, 4096) < 0) {
		client_close(c);
		return;
	}
	ssize_t n = recv(fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		}
		client_close(c); /* closed before a whole request */
		return;
	}
	c->in.len += (size_t)n;
	frame = vrd_ctl_frame(c->in.data, c->in.len, &type, &body, &body_len);
	if (frame == 0) {
		return; /* more to come */
	}
	if (frame < 0 || type != VRD_CTL_REQUEST ||
	    (size_t)frame != c->in.len) {
		c->ctl->stats.bad_frames++;
		log_ratelimited(&c->ctl->rl, VRD_LOG_WARN,
				"control: malformed frame dropped");
		client_close(c);
		return;
	}
	/* the request is in: the rest of the total deadline for its answer */
	vrd_timer_arm_at(loop, &c->idle, c->since_ms + VRD_CONTROL_IDLE_MS);
	client_answer(c, body, body_len);
}

/* Is gid among the peer's groups (its primary one, or one SO_PEERGROUPS
 * lists)? */
static bool peer_in_group(int fd, gid_t primary, gid_t gid)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);

	if (primary == gid) {
		return true;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		return false; /* an older kernel, or more groups: primary only */
	}
	for (size_t i = 0; i < len / sizeof(groups[0]); i++) {
		if (groups[i] == gid) {
			return true;
		}
	}
	return false;
}

/* Who may talk to vrd: root, the user it runs as, and the members of the
 * control group. The socket file's mode says the same to the kernel; this
 * holds even when someone loosens the file. */
static void peer_check(struct vrd_control *ctl, struct client *c)
{
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		c->denied = true;
		c->uid = UINT32_MAX;
	} else {
		c->uid = cred.uid;
		c->denied = !(cred.uid == 0 || cred.uid == geteuid() ||
			      (ctl->has_group &&
			       peer_in_group(c->fd, cred.gid, ctl->group)));
	}
	if (c->denied) {
		ctl->stats.denied++;
		log_ratelimited(&ctl->rl, VRD_LOG_WARN,
				"control: uid %u (pid %d) refused on %s: not "
				"root, us or the control group",
				(unsigned)c->uid, (int)cred.pid, ctl->path);
	}
}

static void control_accept(struct vrd_loop *loop, int fd, short revents,
			   void *arg)
{
	struct vrd_control *ctl = arg;

	/* a budget per wake-up, like every other source */
	for (int budget = 0; budget < VRD_CONTROL_CLIENTS_MAX; budget++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c = NULL;
		size_t slot;

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_ratelimited(&ctl->rl, VRD_LOG_WARN,
						"control: accept: %s",
						strerror(errno));
			}
			return;
		}
		for (slot = 0; slot < VRD_CONTROL_CLIENTS_MAX; slot++) {
			if (!ctl->clients[slot]) {
				break;
			}
		}
		if (slot < VRD_CONTROL_CLIENTS_MAX) {
			c = calloc(1, sizeof(*c));
		}
		if (!c) {
			ctl->stats.rejected++;
			close(cfd);
			continue;
		}
		c->ctl = ctl;
		c->fd = cfd;
		c->since_ms = vrd_loop_now(loop);
		peer_check(ctl, c);
		vrd_timer_init(&c->idle, client_idle, c);
		if (vrd_loop_fd_add(loop, cfd, POLLIN, client_event, c) < 0) {
			ctl->stats.rejected++;
			close(cfd);
			free(c);
			continue;
		}
		ctl->clients[slot] = c;
		/* a short deadline for the request itself: a client that
		 * connects and says nothing holds a slot for a second only */
		vrd_timer_arm(loop, &c->idle, VRD_CONTROL_FIRST_MS);
	}
}

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir)) {
		return -ENAMETOOLONG;
	}
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

/* Is a live daemon answering on path? */
static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0) {
		return false;
	}
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

static bool owner_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * Every folder from path's up to / belongs to root or to us, and only its
 * owner may write to it, or it is sticky (as /tmp: others may add names
 * but not remove or rename ours). Otherwise someone else could put their
 * own socket, or anything, where vrctl looks: -EPERM, with why.
 */
static int dir_check(const char *path, char *why, size_t size)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (strlen(path) >= sizeof(dir)) {
		return -ENAMETOOLONG;
	}
	strcpy(dir, path);
	while ((slash = strrchr(dir, '/'))) {
		slash[slash == dir] = '\0'; /* "/x" leaves "/" */
		if (stat(dir[0] ? dir : ".", &st) < 0) {
			return -errno;
		}
		if (!owner_trusted(st.st_uid)) {
			snprintf(
				why, size,
				"folder %s belongs to uid %u, neither root nor "
				"us",
				dir, (unsigned)st.st_uid);
			return -EPERM;
		}
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
			snprintf(why, size,
				 "folder %s is writable by group or others "
				 "(mode %04o) and not sticky: anyone could "
				 "replace the socket",
				 dir, (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
		if (slash == dir) {
			break;
		}
	}
	return 0;
}

/*
 * Binds the socket at path, which must not exist, or be a socket of ours
 * (root's or our user's) that no live daemon answers on. bind() itself is
 * the exclusive create: it fails with EADDRINUSE when anything is there.
 * Then, only for a stale socket of ours, we unlink and bind once more.
 * Between the check and the unlink another vrd could start on the same
 * path; dir_check() means only root or we can create names there, so that
 * racer is one of ours, and its own bind (or ours) then fails instead of
 * two daemons sharing the path, except in the window where one unlinks the
 * other's fresh socket, which needs two starts within microseconds.
 */
static int socket_bind(int fd, const struct sockaddr_un *sun, mode_t mode,
		       char *why, size_t size)
{
	mode_t old_umask;
	struct stat st;
	int rc;

	for (int tries = 0;; tries++) {
		old_umask = umask(~mode & 0777); /* the file is born mode */
		rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
		umask(old_umask);
		if (rc == 0) {
			return 0;
		}
		if (errno != EADDRINUSE || tries > 0) {
			return -errno;
		}
		if (lstat(sun->sun_path, &st) < 0) {
			continue; /* gone meanwhile: try again */
		}
		if (!S_ISSOCK(st.st_mode) || !owner_trusted(st.st_uid)) {
			snprintf(why, size,
				 "%s is there already and is not our socket "
				 "(%s, uid %u): remove it",
				 sun->sun_path,
				 S_ISSOCK(st.st_mode) ? "a socket"
						      : "no socket",
				 (unsigned)st.st_uid);
			return -EEXIST;
		}
		if (socket_alive(sun)) {
			return -EADDRINUSE;
		}
		unlink(sun->sun_path); /* a dead daemon's socket */
	}
}

struct vrd_control *vrd_control_create(struct vrd_loop *loop,
				       const struct vrd_control_options *opt,
				       vrd_control_fn fn, void *arg)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *path = opt->path;
	struct vrd_control *ctl;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		return NULL;
	}
	ctl->loop = loop;
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->read_only = opt->read_only;
	ctl->has_group = opt->has_group;
	ctl->group = opt->group;
	ctl->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	strcpy(ctl->path, path);
	if (opt->why && opt->why_size) {
		opt->why[0] = '\0';
	}
	rc = mkdir_parent(path);
	if (rc < 0) {
		goto err_free;
	}
	rc = dir_check(path, opt->why, opt->why_size);
	if (rc < 0) {
		goto err_free;
	}
	ctl->fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		rc = -errno;
		goto err_free;
	}
	rc = socket_bind(ctl->fd, &sun, opt->has_group ? 0660 : 0600, opt->why,
			 opt->why_size);
	if (rc < 0) {
		goto err_close;
	}
	/* the folder is ours (dir_check): nobody swaps the name under us */
	if (opt->has_group && lchown(path, (uid_t)-1, opt->group) < 0) {
		rc = -errno;
		goto err_unlink;
	}
	if (listen(ctl->fd, VRD_CONTROL_CLIENTS_MAX) < 0) {
		rc = -errno;
		goto err_unlink;
	}
	rc = vrd_loop_fd_add(loop, ctl->fd, POLLIN, control_accept, ctl);
	if (rc < 0) {
		goto err_unlink;
	}
	return ctl;

err_unlink:
	unlink(path);
err_close:
	close(ctl->fd);
err_free:
	free(ctl);
	errno = -rc;
	return NULL;
}

void vrd_control_destroy(struct vrd_control *ctl)
{
	if (!ctl) {
		return;
	}
	for (size_t i = 0; i < VRD_CONTROL_CLIENTS_MAX; i++) {
		if (ctl->clients[i]) {
			client_close(ctl->clients[i]);
		}
	}
	vrd_loop_fd_del(ctl->loop, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

void vrd_control_get_stats(const struct vrd_control *ctl,
			   struct vrd_control_stats *out)
{
	*out = ctl->stats;
}

uint64_t vrd_control_defer(struct vrd_control *ctl)
{
	struct client *c = ctl->answering;

	if (!c) {
		return 0;
	}
	if (!c->deferred) {
		c->deferred = true;
		c->handle = ++ctl->next_handle;
		ctl->stats.deferred++;
	}
	return c->handle;
}

int vrd_control_complete(struct vrd_control *ctl, uint64_t handle,
			 const struct vrd_reply *rep)
{
	struct client *c = NULL;
	int rc;

	for (size_t i = 0; i < VRD_CONTROL_CLIENTS_MAX && !c; i++) {
		struct client *x = ctl->clients[i];

		if (x && x->deferred && !x->answered && x->handle == handle) {
			c = x;
		}
	}
	if (!c || handle == 0) {
		ctl->stats.deferred_lost++;
		return -ENOENT;
	}
	rc = client_queue(c, rep);
	if (c == ctl->answering) {
		return rc; /* client_answer sends it, or drops the client */
	}
	if (rc < 0) {
		client_close(c);
		return rc;
	}
	client_flush(c);
	return 0;
}

bool vrd_control_request_reads(const struct vrd_ctl_request *req)
{
	static const char *const reads[] = {
		"status", "peers", "tunnels", "stats", "metrics", "events",
		"route",  "lndt",  "gndt",    "hwdt",  "proxy",
	};
	bool known = false;

	if (req->argc < 1) {
		return false;
	}
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		known = known || strcmp(req->argv[0], reads[i]) == 0;
	}
	/* the table and proxy commands write only with an add or del verb */
	for (int i = 1; known && i < req->argc; i++) {
		if (strcmp(req->argv[i], "add") == 0 ||
		    strcmp(req->argv[i], "del") == 0) {
			return false;
		}
	}
	return known;
}
