/*
 * The config file on disk: vrd_config_load() reads it and resolves relative
 * paths against its folder; vrd_config_check_files() looks at the key and
 * certificate files it names. Plain libc, no other I/O.
 */
#include "vrd/config_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (1024 * 1024)

/* Reads at most CONFIG_FILE_MAX bytes of path into a new buffer; st gets
 * the file's status, of the very file read. */
static int file_read(const char *path, char **out, size_t *len, struct stat *st,
		     char *err)
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
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		goto report;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		e = ENOMEM;
		goto close_fd;
	}
	do {
		got = read(fd, buf + n, CONFIG_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			e = errno;
			goto free_buf;
		}
		n += (size_t)got;
	} while (got != 0 && n <= CONFIG_FILE_MAX);
	close(fd);
	if (n > CONFIG_FILE_MAX) {
		free(buf);
		config_err_set(err, path, 1, "file is larger than %d bytes",
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
	config_err_set(err, path, 1, "cannot read: %s", strerror(e));
	return -e;
}

/* The folder of path, absolute (the daemon must not depend on its cwd). */
static int base_dir(const char *path, char *dir, size_t size, char *err)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char cwd[VRD_CONFIG_PATH_MAX];

	if (slash == path) {
		n = 1;
	}
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			int e = errno;

			config_err_set(err, path, 1,
				       "cannot resolve relative paths: %s",
				       strerror(e));
			return -e;
		}
		if ((size_t)snprintf(dir, size, "%s/%.*s", cwd, (int)n, path) >=
		    size) {
			goto too_long;
		}
		return 0;
	}
	if (n >= size) {
		goto too_long;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;

too_long:
	config_err_set(err, path, 1, "cannot resolve relative paths: %s",
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

	if (path[0] == '/') {
		return 0;
	}
	while (rel[0] == '.' && rel[1] == '/') {
		rel += 2;
	}
	snprintf(joined, sizeof(joined), "%s%s%s", dir,
		 dn && dir[dn - 1] == '/' ? "" : "/", rel);
	if (strlen(joined) >= size) {
		config_err_set(err, file, line,
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
	struct stat st;
	int rc;

	err[0] = '\0';
	rc = file_read(path, &text, &len, &st, err);
	if (rc < 0) {
		return -EINVAL;
	}
	rc = config_parse(text, len, path, cfg, err, key_line);
	free(text);
	if (rc < 0) {
		return rc;
	}
	cfg->file_stat_known = true;
	cfg->file_uid = st.st_uid;
	cfg->file_mode = st.st_mode;
	if (base_dir(path, dir, sizeof(dir), err) < 0 ||
	    path_resolve(path, dir, "state_dir", cfg->state_dir,
			 sizeof(cfg->state_dir), key_line[K_STATE_DIR],
			 err) < 0 ||
	    path_resolve(path, dir, "control", cfg->control,
			 sizeof(cfg->control), key_line[K_CONTROL], err) < 0 ||
	    (cfg->control_ro[0] &&
	     path_resolve(path, dir, "control_ro", cfg->control_ro,
			  sizeof(cfg->control_ro), key_line[K_CONTROL_RO],
			  err) < 0) ||
	    path_resolve(path, dir, "ca", cfg->ca, sizeof(cfg->ca),
			 cfg->line_ca, err) < 0 ||
	    path_resolve(path, dir, "cert", cfg->cert, sizeof(cfg->cert),
			 cfg->line_cert, err) < 0 ||
	    path_resolve(path, dir, "key", cfg->key, sizeof(cfg->key),
			 cfg->line_key, err) < 0) {
		return -EINVAL;
	}
	return 0;
}

/* A file vrd trusts must belong to root or to the user it runs as: anyone
 * else could rewrite it. (The [router] user of issue 9 joins these once
 * vrd drops to it.) */
static bool owner_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Why a file of this owner and mode cannot be trusted, into why; false
 * when it can. bad_bits are the write bits it must not have. */
static bool untrusted(uid_t uid, mode_t mode, bool check_owner, mode_t bad_bits,
		      char *why, size_t size)
{
	if (check_owner && !owner_trusted(uid)) {
		snprintf(why, size,
			 "owned by uid %u, neither root nor the user vrd runs "
			 "as (uid %u); chown it",
			 (unsigned)uid, (unsigned)geteuid());
		return true;
	}
	if (mode & bad_bits) {
		snprintf(why, size, "writable by %s (mode %04o); chmod go-w it",
			 (mode & bad_bits & 002) ? "others" : "group",
			 (unsigned)(mode & 07777));
		return true;
	}
	return false;
}

enum file_kind {
	FILE_PUBLIC, /* ca, cert: not writable by others */
	FILE_SECRET, /* key: ours, and no access for group or others */
};

static int file_check(const struct vrd_config *cfg, const char *what,
		      const char *path, unsigned line, enum file_kind kind,
		      char *err)
{
	const char *file = cfg->file ? cfg->file : "config";
	bool secret = kind == FILE_SECRET;
	char why[128];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		config_err_set(err, file, line, "cannot read %s %s: %s", what,
			       path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0) {
		config_err_set(err, file, line, "cannot stat %s %s: %s", what,
			       path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		config_err_set(err, file, line, "%s %s is not a regular file",
			       what, path);
		goto close_fd;
	}
	if (untrusted(st.st_uid, st.st_mode, secret, secret ? 0 : 002, why,
		      sizeof(why))) {
		config_err_set(err, file, line, "%s %s is %s", what, path, why);
		goto close_fd;
	}
	if (secret && (st.st_mode & 077)) {
		config_err_set(
			err, file, line,
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
	char why[128];

	err[0] = '\0';
	if (cfg->file_stat_known && untrusted(cfg->file_uid, cfg->file_mode,
					      true, 022, why, sizeof(why))) {
		snprintf(err, VRD_CONFIG_ERR_MAX, "%s: %s",
			 cfg->file ? cfg->file : "config", why);
		return -EINVAL;
	}
	if (file_check(cfg, "ca", cfg->ca, cfg->line_ca, FILE_PUBLIC, err) <
		    0 ||
	    file_check(cfg, "cert", cfg->cert, cfg->line_cert, FILE_PUBLIC,
		       err) < 0 ||
	    file_check(cfg, "key", cfg->key, cfg->line_key, FILE_SECRET, err) <
		    0) {
		return -EINVAL;
	}
	return 0;
}

/* name's group id into *gid; "FILE:LINE: ..." when there is none. */
static int group_resolve(const struct vrd_config *cfg, const char *what,
			 const char *name, unsigned line, uint32_t *gid,
			 char *err)
{
	const char *file = cfg->file ? cfg->file : "config";
	struct group *g;

	errno = 0;
	g = getgrnam(name);
	if (!g) {
		config_err_set(err, file, line, "%s %s: %s", what, name,
			       errno ? strerror(errno) : "no such group");
		return -EINVAL;
	}
	*gid = (uint32_t)g->gr_gid;
	return 0;
}

int vrd_config_resolve(struct vrd_config *cfg, char err[VRD_CONFIG_ERR_MAX])
{
	err[0] = '\0';
	cfg->has_control_gid = cfg->control_group[0] != '\0';
	cfg->has_control_ro_gid = cfg->control_ro_group[0] != '\0';
	if ((cfg->has_control_gid &&
	     group_resolve(cfg, "control_group", cfg->control_group,
			   cfg->line_control_group, &cfg->control_gid,
			   err) < 0) ||
	    (cfg->has_control_ro_gid &&
	     group_resolve(cfg, "control_ro_group", cfg->control_ro_group,
			   cfg->line_control_ro_group, &cfg->control_ro_gid,
			   err) < 0)) {
		return -EINVAL;
	}
	return 0;
}
