/*
 * data.mdb before LMDB maps it: the check of tables/mdbfile.h over pread,
 * and setting a damaged environment aside so a router can start over.
 */
#include "tables/internal.h"
#include "tables/mdbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define CHECK_ATTEMPTS 3

static int pread_all(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -errno;
		}
		if (n == 0) {
			return -ENODATA; /* shrank under us */
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* One look at the file: 0 with *r, or a negative errno (logged). */
static int check_once(const char *path, int fd, struct tables_mdb_report *r)
{
	struct stat st;
	int rc;

	if (fstat(fd, &st)) {
		rc = -errno;
		log_err("%s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("%s: not a file", path);
		return -EPROTO;
	}
	rc = tables_mdb_check((uint64_t)st.st_size, pread_all, &fd, r);
	if (rc) {
		log_err("%s: cannot read: %s", path, strerror(-rc));
	}
	return rc;
}

static int report(const char *path, const struct tables_mdb_report *r)
{
	unsigned long long size = r->size, end = r->end;

	switch (r->verdict) {
	case TABLES_MDB_SOUND:
		return 0;
	case TABLES_MDB_EMPTY:
		log_err("%s: empty (0 bytes): the tables, and the sequence "
			"history that claims rely on, are gone",
			path);
		return -EUCLEAN;
	case TABLES_MDB_ZEROED:
		log_err("%s: damaged: %llu bytes, its first page all zeros",
			path, size);
		return -EUCLEAN;
	case TABLES_MDB_TRUNCATED:
		if (end > size) {
			log_err("%s: truncated: %llu bytes, LMDB's last page "
				"ends at %llu (page %llu is in use)",
				path, size, end,
				(unsigned long long)r->missing);
		} else {
			log_err("%s: truncated: %llu bytes, shorter than "
				"LMDB's meta pages",
				path, size);
		}
		return -EUCLEAN;
	case TABLES_MDB_CORRUPT:
		log_err("%s: damaged: %s", path, r->why);
		return -EUCLEAN;
	case TABLES_MDB_VERSION:
		log_err("%s: written by an incompatible LMDB version", path);
		return -EPROTO;
	case TABLES_MDB_FOREIGN:
		break;
	}
	log_err("%s: not an LMDB environment (%llu bytes, no LMDB magic)", path,
		size);
	return -EPROTO;
}

static bool same_look(const struct tables_mdb_report *a,
		      const struct tables_mdb_report *b)
{
	return a->verdict == b->verdict && a->size == b->size &&
	       a->meta.txnid == b->meta.txnid;
}

int tables_file_check(const char *dir)
{
	struct tables_mdb_report r, again;
	char path[PATH_MAX];
	int fd, rc, attempt;

	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path)) {
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		return 0; /* a new environment */
	}
	if (fd < 0) {
		rc = -errno;
		log_err("%s: %s", path, strerror(-rc));
		return rc;
	}
	/* A writer that commits while we look only makes the file longer and
	 * the txnid higher: a bad verdict counts once it is seen twice. */
	rc = check_once(path, fd, &r);
	for (attempt = 1; rc == 0 && r.verdict != TABLES_MDB_SOUND &&
			  attempt < CHECK_ATTEMPTS;
	     attempt++) {
		rc = check_once(path, fd, &again);
		if (rc == 0 && same_look(&r, &again)) {
			break;
		}
		r = again;
	}
	close(fd);
	return rc ? rc : report(path, &r);
}

/* ---- starting over -------------------------------------------------- */

static int set_aside_one(const char *dir, const char *name, const char *suffix)
{
	char from[PATH_MAX], to[PATH_MAX];
	int err;

	if (snprintf(from, sizeof(from), "%s/%s", dir, name) >=
		    (int)sizeof(from) ||
	    snprintf(to, sizeof(to), "%s/%s.%s", dir, name, suffix) >=
		    (int)sizeof(to)) {
		return -ENAMETOOLONG;
	}
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
		log_warn("%s: moved aside to %s", from, to);
		return 0;
	}
	err = errno;
	if (err == ENOENT) {
		return 0;
	}
	log_err("%s: cannot move it aside to %s: %s", from, to, strerror(err));
	return -err;
}

int tables_set_aside(const char *dir, char suffix[TABLES_ASIDE_SUFFIX_MAX])
{
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&now, &tm);
	strftime(suffix, TABLES_ASIDE_SUFFIX_MAX, "broken-%Y%m%dT%H%M%SZ", &tm);
	rc = set_aside_one(dir, "data.mdb", suffix);
	if (rc == 0) {
		rc = set_aside_one(dir, "lock.mdb", suffix);
	}
	return rc;
}
