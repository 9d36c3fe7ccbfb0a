/* Proxy ARP decision and its IP set: open addressing with linear probing
 * and backward-shift deletion, 0.0.0.0 marking an empty slot. */
#include "inject/proxy.h"

#include <errno.h>
#include <stdlib.h>

static const char *const verdict_names[INJECT_PROXY_VERDICTS] = {
	[INJECT_PROXY_ANSWER] = "proxy.answered",
	[INJECT_PROXY_SKIP_PROBE] = "proxy.skip.probe",
	[INJECT_PROXY_SKIP_GRATUITOUS] = "proxy.skip.gratuitous",
	[INJECT_PROXY_SKIP_OWN_ADDRESS] = "proxy.skip.own_address",
	[INJECT_PROXY_SKIP_FROM_SELF] = "proxy.skip.from_self",
	[INJECT_PROXY_SKIP_NOT_PROXIED] = "proxy.skip.not_proxied",
	[INJECT_PROXY_SKIP_ON_LAN] = "proxy.skip.on_lan",
};

const char *inject_proxy_verdict_name(enum inject_proxy_verdict v)
{
	if ((unsigned)v >= INJECT_PROXY_VERDICTS) {
		return "proxy.unknown";
	}
	return verdict_names[v];
}

struct inject_proxy_set {
	uint32_t *slots; /* 0: empty */
	size_t mask; /* slots - 1, a power of two minus one */
	size_t cap;
	size_t count;
	uint64_t refused;
};

struct inject_proxy_set *inject_proxy_set_create(size_t capacity)
{
	struct inject_proxy_set *set;
	size_t n = 8;

	if (capacity == 0 || capacity > SIZE_MAX / 4) {
		errno = EINVAL;
		return NULL;
	}
	/* At most half full: probes stay short. */
	while (n < 2 * capacity) {
		n <<= 1;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		return NULL;
	}
	set->slots = calloc(n, sizeof(*set->slots));
	if (!set->slots) {
		free(set);
		return NULL;
	}
	set->mask = n - 1;
	set->cap = capacity;
	return set;
}

void inject_proxy_set_destroy(struct inject_proxy_set *set)
{
	if (!set) {
		return;
	}
	free(set->slots);
	free(set);
}

static size_t ip_hash(uint32_t ip)
{
	/* Fibonacci hashing: neighbouring addresses spread out. */
	return (size_t)(((uint64_t)ip * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
}

/* The slot holding ip, or the empty slot where it would go. */
static size_t set_find(const struct inject_proxy_set *set, uint32_t ip)
{
	size_t i = ip_hash(ip) & set->mask;

	while (set->slots[i] != 0 && set->slots[i] != ip) {
		i = (i + 1) & set->mask;
	}
	return i;
}

int inject_proxy_set_foreach(const struct inject_proxy_set *set,
			     int (*fn)(uint32_t ip, void *arg), void *arg)
{
	for (size_t i = 0; i <= set->mask; i++) {
		int rc;

		if (set->slots[i] == 0) {
			continue;
		}
		rc = fn(set->slots[i], arg);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

int inject_proxy_set_add(struct inject_proxy_set *set, uint32_t ip)
{
	size_t i;

	if (ip == 0) {
		return -EINVAL;
	}
	i = set_find(set, ip);
	if (set->slots[i] == ip) {
		return 0;
	}
	if (set->count >= set->cap) {
		set->refused++;
		return -ENOSPC;
	}
	set->slots[i] = ip;
	set->count++;
	return 0;
}

int inject_proxy_set_del(struct inject_proxy_set *set, uint32_t ip)
{
	size_t i, j, home;

	if (ip == 0) {
		return -ENOENT;
	}
	i = set_find(set, ip);
	if (set->slots[i] != ip) {
		return -ENOENT;
	}
	/* Backward shift: move later members of the run into the hole when
	 * their home slot is not between the hole and where they sit. */
	j = i;
	for (;;) {
		set->slots[i] = 0;
		do {
			j = (j + 1) & set->mask;
			if (set->slots[j] == 0) {
				set->count--;
				return 0;
			}
			home = ip_hash(set->slots[j]) & set->mask;
		} while (((j - home) & set->mask) < ((j - i) & set->mask));
		set->slots[i] = set->slots[j];
		i = j;
	}
}

bool inject_proxy_set_has(const struct inject_proxy_set *set, uint32_t ip)
{
	return ip != 0 && set->slots[set_find(set, ip)] == ip;
}

size_t inject_proxy_set_count(const struct inject_proxy_set *set)
{
	return set->count;
}

uint64_t inject_proxy_set_refused(const struct inject_proxy_set *set)
{
	return set->refused;
}

static bool is_own(const struct inject_proxy_ctx *ctx, uint32_t ip)
{
	size_t i;

	for (i = 0; i < ctx->n_own; i++) {
		if (ctx->own[i] == ip) {
			return true;
		}
	}
	return false;
}

static bool is_proxied(const struct inject_proxy_ctx *ctx, uint32_t ip)
{
	if (ctx->is_proxied) {
		return ctx->is_proxied(ctx->is_proxied_arg, ip);
	}
	return ctx->set && inject_proxy_set_has(ctx->set, ip);
}

enum inject_proxy_verdict
inject_proxy_decide(const struct inject_proxy_ctx *ctx, uint32_t target_ip,
		    uint32_t sender_ip)
{
	if (sender_ip == 0) {
		return INJECT_PROXY_SKIP_PROBE;
	}
	if (sender_ip == target_ip) {
		return INJECT_PROXY_SKIP_GRATUITOUS;
	}
	if (is_own(ctx, target_ip)) {
		return INJECT_PROXY_SKIP_OWN_ADDRESS;
	}
	if (is_own(ctx, sender_ip)) {
		return INJECT_PROXY_SKIP_FROM_SELF;
	}
	if (!is_proxied(ctx, target_ip)) {
		return INJECT_PROXY_SKIP_NOT_PROXIED;
	}
	if (ctx->on_lan && ctx->on_lan(ctx->on_lan_arg, target_ip)) {
		return INJECT_PROXY_SKIP_ON_LAN;
	}
	return INJECT_PROXY_ANSWER;
}
