/* vrd: the overlay router daemon. Runs in the foreground, logs to stderr. */
#include "vrd/daemon.h"
#include "base/log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vrd -c FILE       run in the foreground\n"
		   "       vrd --fresh -c FILE\n"
		   "                         the same, but if the tables in "
		   "state_dir are damaged\n"
		   "                         (empty, truncated), move them "
		   "aside and start over\n"
		   "                         with new ones: the sequence "
		   "history is lost\n"
		   "       vrd -n -c FILE    check FILE and the key and "
		   "certificate it names\n"
		   "       vrd --version\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{"fresh", no_argument, NULL, 'F'},
		{0},
	};
	static struct vrd_daemon d;
	const char *config = NULL;
	bool check = false, fresh = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'F':
			fresh = true;
			break;
		case 'V':
			printf("vrd %s\n", VRD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!config || optind != argc || (check && fresh)) {
		usage(stderr);
		return 2;
	}
	if (check) {
		return vrd_daemon_check(config);
	}
	vrd_log_set_ident("vrd");
	if (vrd_daemon_start(&d, config, fresh) < 0) {
		return 1;
	}
	rc = vrd_daemon_run(&d);
	vrd_daemon_stop(&d);
	return rc < 0 ? 1 : 0;
}
