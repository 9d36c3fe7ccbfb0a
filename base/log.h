/* Logging to stderr with levels, and a rate limiter for anything a packet
 * or a peer can trigger. Lines are lower case and name their object:
 * "peer vrB: bad hello length 3". */
#ifndef VRD_LOG_H
#define VRD_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"

enum vrd_log_level {
	VRD_LOG_ERR,
	VRD_LOG_WARN,
	VRD_LOG_INFO,
	VRD_LOG_DEBUG,
};

void vrd_log_set_level(enum vrd_log_level level);
enum vrd_log_level vrd_log_get_level(void);
/* "err", "warn", "info", "debug": 0 or -EINVAL. */
int vrd_log_level_parse(const char *s, enum vrd_log_level *out);
/* Prefix every line with this program name (default: none). */
void vrd_log_set_ident(const char *ident);

void vrd_log(enum vrd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) vrd_log(VRD_LOG_ERR, __VA_ARGS__)
#define log_warn(...) vrd_log(VRD_LOG_WARN, __VA_ARGS__)
#define log_info(...) vrd_log(VRD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) vrd_log(VRD_LOG_DEBUG, __VA_ARGS__)

/*
 * At most `burst` lines per `interval_ms`; what is held back is counted and
 * reported with the next line let through. Initialise with
 * VRD_RATELIMIT_INIT(interval_ms, burst).
 */
struct vrd_ratelimit {
	uint64_t interval_ms;
	unsigned burst;
	uint64_t window_start;
	unsigned in_window;
	unsigned suppressed;
};
#define VRD_RATELIMIT_INIT(ms, n)                 \
	{                                         \
		.interval_ms = (ms), .burst = (n) \
	}

bool vrd_ratelimit_allow(struct vrd_ratelimit *rl, uint64_t now_ms);

#define log_ratelimited(rl, level, ...)                            \
	do {                                                       \
		if (vrd_ratelimit_allow((rl), vrd_monotonic_ms())) \
			vrd_log((level), __VA_ARGS__);             \
	} while (0)

#endif
