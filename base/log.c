#include "base/log.h"
#include "base/clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum vrd_log_level log_level = VRD_LOG_INFO;
static const char *log_ident;

static const char *const level_names[] = {
	[VRD_LOG_ERR] = "err",
	[VRD_LOG_WARN] = "warn",
	[VRD_LOG_INFO] = "info",
	[VRD_LOG_DEBUG] = "debug",
};

void vrd_log_set_level(enum vrd_log_level level)
{
	log_level = level;
}

enum vrd_log_level vrd_log_get_level(void)
{
	return log_level;
}

void vrd_log_set_ident(const char *ident)
{
	log_ident = ident;
}

int vrd_log_level_parse(const char *s, enum vrd_log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(*level_names);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum vrd_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void vrd_log(enum vrd_log_level level, const char *fmt, ...)
{
	char line[1024], stamp[VRD_RFC3339_STRLEN];
	va_list ap;
	int n;

	if (level > log_level) {
		return;
	}
	n = snprintf(line, sizeof(line),
		     "%s %s%s%s: ", vrd_rfc3339(vrd_wallclock_ms(), stamp),
		     log_ident ? log_ident : "", log_ident ? " " : "",
		     level_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* one write per line, so lines of concurrent writers do not mix */
	fprintf(stderr, "%s\n", line);
}

bool vrd_ratelimit_allow(struct vrd_ratelimit *rl, uint64_t now)
{
	if (now - rl->window_start >= rl->interval_ms) {
		if (rl->suppressed) {
			vrd_log(VRD_LOG_WARN, "%u similar messages suppressed",
				rl->suppressed);
		}
		rl->window_start = now;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window < rl->burst) {
		rl->in_window++;
		return true;
	}
	rl->suppressed++;
	return false;
}
