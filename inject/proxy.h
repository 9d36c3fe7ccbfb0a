/* Proxy ARP: whether to answer an ARP request with the router's MAC. Pure
 * decision plus a small bounded IP set; the caller parses the request,
 * counts the verdict and sends the reply (inject_arp_reply_send).
 *
 * The rules, in the order they are checked (the first that matches names
 * the verdict):
 *   1. sender IP 0.0.0.0: a duplicate address probe (RFC 5227, arping -D).
 *      Never answered: a reply tells the prober the address is in use, and
 *      the prober is typically the VM itself arriving with that address.
 *   2. sender IP = target IP: a gratuitous request (an announcement), which
 *      asks nothing.
 *   3. target is one of the router's own addresses: the kernel answers.
 *   4. sender is one of the router's own addresses: the router's own kernel
 *      asking; our MAC would loop its traffic back to itself.
 *   5. target not in the proxy set (or the caller's lookup says no).
 *   6. target present on this LAN (the HWDT): the host answers for itself,
 *      and Linux keeps the first reply within locktime, so a proxy reply
 *      racing the real one could win and black-hole the host.
 *   Otherwise: answer.
 */
#ifndef VRD_INJECT_PROXY_H
#define VRD_INJECT_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum inject_proxy_verdict {
	INJECT_PROXY_ANSWER,
	INJECT_PROXY_SKIP_PROBE,
	INJECT_PROXY_SKIP_GRATUITOUS,
	INJECT_PROXY_SKIP_OWN_ADDRESS,
	INJECT_PROXY_SKIP_FROM_SELF,
	INJECT_PROXY_SKIP_NOT_PROXIED,
	INJECT_PROXY_SKIP_ON_LAN,
};
#define INJECT_PROXY_VERDICTS 7

/* The counter name: "proxy.answered", "proxy.skip.on_lan", ... */
const char *inject_proxy_verdict_name(enum inject_proxy_verdict v);

/* A set of IPv4 addresses (host order) of fixed capacity. */
struct inject_proxy_set;

/* NULL with errno set. */
struct inject_proxy_set *inject_proxy_set_create(size_t capacity);
/* Accepts NULL. */
void inject_proxy_set_destroy(struct inject_proxy_set *set);
/* 0 (also when already there); -EINVAL for 0.0.0.0; -ENOSPC when full,
 * counted in inject_proxy_set_refused. */
int inject_proxy_set_add(struct inject_proxy_set *set, uint32_t ip);
/* 0 or -ENOENT. */
int inject_proxy_set_del(struct inject_proxy_set *set, uint32_t ip);
bool inject_proxy_set_has(const struct inject_proxy_set *set, uint32_t ip);
size_t inject_proxy_set_count(const struct inject_proxy_set *set);
/* Every address in the set, in no particular order; fn returns 0 to go
 * on, anything else stops the walk and is returned. */
int inject_proxy_set_foreach(const struct inject_proxy_set *set,
			     int (*fn)(uint32_t ip, void *arg), void *arg);
uint64_t inject_proxy_set_refused(const struct inject_proxy_set *set);

/* What the decision consults. Every pointer is borrowed. */
struct inject_proxy_ctx {
	/* IPs to proxy: is_proxied(arg, ip) when set, otherwise set. */
	bool (*is_proxied)(void *arg, uint32_t ip);
	void *is_proxied_arg;
	const struct inject_proxy_set *set;
	/* The HWDT: ip is present on this LAN. NULL: nothing is. */
	bool (*on_lan)(void *arg, uint32_t ip);
	void *on_lan_arg;
	/* The router's own addresses on this LAN, host order. */
	const uint32_t *own;
	size_t n_own;
};

/* The verdict for an ARP request from sender_ip asking for target_ip. */
enum inject_proxy_verdict
inject_proxy_decide(const struct inject_proxy_ctx *ctx, uint32_t target_ip,
		    uint32_t sender_ip);

static inline bool
inject_proxy_should_answer(const struct inject_proxy_ctx *ctx,
			   uint32_t target_ip, uint32_t sender_ip,
			   enum inject_proxy_verdict *why)
{
	enum inject_proxy_verdict v =
		inject_proxy_decide(ctx, target_ip, sender_ip);

	if (why) {
		*why = v;
	}
	return v == INJECT_PROXY_ANSWER;
}

#endif
