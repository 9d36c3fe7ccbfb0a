/*
 * bench-routes: how fast vrd installs and removes kernel routes, in a
 * network namespace of its own (root). N host routes in 198.18.0.0/15 into
 * a TUN: one request per route, then batched (many per sendmsg), then a
 * replace of routes that are already there, then the flush by protocol.
 * Prints routes/s for each.
 *
 *     bench-routes [N]      N defaults to 10000 (at most 131072)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/rtnl.h"
#include "dataplane/tun.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, size_t n, double secs)
{
	printf("%-28s %7zu routes %8.3f s %10.0f routes/s\n", what, n, secs,
	       (double)n / secs);
}

static int flush_timed(struct dp_rtnl *r, int idx, size_t n, const char *what)
{
	double t = now_s();
	int rc = dp_rtnl_route_flush_proto(r, idx);

	if (rc < 0 || (size_t)rc != n) {
		fprintf(stderr, "bench-routes: flush: %d of %zu\n", rc, n);
		return -1;
	}
	report(what, n, now_s() - t);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i, n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct vrd_prefix *v;
	struct dp_rtnl *r;
	int fd, idx, rc;
	double t;

	if (n == 0 || n > 131072) {
		fprintf(stderr, "usage: bench-routes [N], N 1 to 131072\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "bench-routes: unshare: %s\n", strerror(errno));
		return 1;
	}
	r = dp_rtnl_create();
	fd = dp_tun_open("vrdbench0", 0, NULL, NULL);
	v = calloc(n, sizeof(*v));
	if (!r || fd < 0 || !v) {
		fprintf(stderr, "bench-routes: setup failed\n");
		return 1;
	}
	idx = dp_link_index(r, "vrdbench0");
	if (idx < 0 || dp_link_set_up(r, idx, true) < 0) {
		fprintf(stderr, "bench-routes: link up failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		v[i].addr = 0xc6120000u + (uint32_t)i; /* 198.18.0.0/15 */
		v[i].len = 32;
	}

	t = now_s();
	for (i = 0; i < n; i++) {
		rc = dp_rtnl_route_replace(r, &v[i], idx, 0, 0);
		if (rc < 0) {
			fprintf(stderr, "bench-routes: replace: %s\n",
				strerror(-rc));
			return 1;
		}
	}
	report("replace, one per request", n, now_s() - t);
	if (flush_timed(r, idx, n, "flush (dump + batched del)") < 0) {
		return 1;
	}

	t = now_s();
	rc = dp_rtnl_route_replace_many(r, v, n, idx, 0, 0);
	if (rc < 0) {
		fprintf(stderr, "bench-routes: batch: %s\n", strerror(-rc));
		return 1;
	}
	report("replace, batched", n, now_s() - t);
	t = now_s();
	rc = dp_rtnl_route_replace_many(r, v, n, idx, 0, 0);
	if (rc < 0) {
		fprintf(stderr, "bench-routes: batch: %s\n", strerror(-rc));
		return 1;
	}
	report("replace existing, batched", n, now_s() - t);
	if (flush_timed(r, idx, n, "flush (dump + batched del)") < 0) {
		return 1;
	}
	free(v);
	close(fd);
	dp_rtnl_destroy(r);
	return 0;
}
