#include "dataplane/dp_peer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SLOT_DELETED UINT32_MAX

const char *dp_path_name(enum dp_path p)
{
	switch (p) {
	case DP_PATH_NONE:
		return "none";
	case DP_PATH_DIRECT:
		return "direct";
	case DP_PATH_RELAY:
		return "relay";
	case DP_PATH_DOWN:
		return "down";
	}
	return "?";
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

static uint32_t id_hash(uint32_t id)
{
	id ^= id >> 16;
	id *= 0x7feb352du;
	id ^= id >> 15;
	return id;
}

int dp_peers_init(struct dp_peers *t)
{
	pthread_rwlockattr_t a;
	int rc;

	memset(t, 0, sizeof(*t));
	pthread_rwlockattr_init(&a);
	/* the daemon's rare writes must not starve behind two busy readers */
	pthread_rwlockattr_setkind_np(
		&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&t->lock, &a);
	pthread_rwlockattr_destroy(&a);
	return -rc;
}

void dp_peers_fini(struct dp_peers *t)
{
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		if (t->peer[i].used) {
			dp_peer_remove(t, i);
		}
	}
	pthread_rwlock_destroy(&t->lock);
}

int dp_peer_find(const struct dp_peers *t, const char *name)
{
	uint32_t h = name_hash(name);

	for (uint32_t i = 0; i < DP_NAME_SLOTS; i++) {
		uint16_t s = t->name_slot[(h + i) % DP_NAME_SLOTS];

		if (s == 0) {
			return -1;
		}
		if (s != UINT16_MAX && !strcmp(t->peer[s - 1].name, name)) {
			return s - 1;
		}
	}
	return -1;
}

int dp_peer_add(struct dp_peers *t, const char *name)
{
	uint32_t h = name_hash(name);
	int idx = dp_peer_find(t, name);

	if (idx >= 0) {
		return idx;
	}
	for (idx = 0; idx < DP_PEERS_MAX && t->peer[idx].used; idx++)
		;
	if (idx == DP_PEERS_MAX) {
		return -ENOSPC;
	}
	for (uint32_t i = 0;; i++) {
		uint16_t *s = &t->name_slot[(h + i) % DP_NAME_SLOTS];

		/* fewer peers than slots: a free or deleted one exists */
		if (*s == 0 || *s == UINT16_MAX) {
			*s = (uint16_t)(idx + 1);
			break;
		}
	}
	memset(&t->peer[idx], 0, sizeof(t->peer[idx]));
	t->peer[idx].used = true;
	snprintf(t->peer[idx].name, sizeof(t->peer[idx].name), "%s", name);
	t->npeers++;
	return idx;
}

static void key_slot_del(struct dp_peers *t, uint32_t id)
{
	uint32_t h = id_hash(id);

	for (uint32_t i = 0; i < DP_KEY_SLOTS; i++) {
		uint32_t k = (h + i) % DP_KEY_SLOTS;

		if (t->key_slot[k] == 0) {
			return;
		}
		if (t->key_slot[k] != SLOT_DELETED && t->key_id[k] == id) {
			t->key_slot[k] = SLOT_DELETED;
			t->key_deleted++;
			return;
		}
	}
}

static void rx_key_drop(struct dp_peers *t, struct dp_rx_key *rk)
{
	if (!rk->key) {
		return;
	}
	key_slot_del(t, rk->id);
	dp_key_destroy(rk->key);
	memset(rk, 0, sizeof(*rk));
}

void dp_peer_remove(struct dp_peers *t, int idx)
{
	struct dp_peer *p = &t->peer[idx];
	uint32_t h = name_hash(p->name);

	for (uint32_t i = 0; i < DP_NAME_SLOTS; i++) {
		uint16_t *s = &t->name_slot[(h + i) % DP_NAME_SLOTS];

		if (*s == idx + 1) {
			*s = UINT16_MAX;
			break;
		}
	}
	for (int k = 0; k < DP_RX_KEYS; k++) {
		rx_key_drop(t, &p->rx[k]);
	}
	dp_key_destroy(p->tx_key);
	memset(p, 0, sizeof(*p));
	t->npeers--;
}

void dp_peer_set_tx_key(struct dp_peers *t, int idx, struct dp_key *key,
			uint32_t id, uint64_t now_ms)
{
	struct dp_peer *p = &t->peer[idx];

	dp_key_destroy(p->tx_key);
	p->tx_key = key;
	p->tx_key_id = id;
	p->tx_key_since_ms = now_ms;
	dp_store(&p->tx_counter, 1);
}

struct dp_key *dp_peers_rx_key(const struct dp_peers *t, uint32_t id,
			       int *peer_idx)
{
	uint32_t h = id_hash(id);

	for (uint32_t i = 0; i < DP_KEY_SLOTS; i++) {
		uint32_t k = (h + i) % DP_KEY_SLOTS;
		uint32_t s = t->key_slot[k];

		if (s == 0) {
			return NULL;
		}
		if (s != SLOT_DELETED && t->key_id[k] == id) {
			s--;
			*peer_idx = (int)(s / DP_RX_KEYS);
			return t->peer[*peer_idx].rx[s % DP_RX_KEYS].key;
		}
	}
	return NULL;
}

static void key_slot_put(struct dp_peers *t, uint32_t id, uint32_t v)
{
	uint32_t h = id_hash(id);

	for (uint32_t i = 0;; i++) {
		uint32_t k = (h + i) % DP_KEY_SLOTS;

		/* at most PEERS_MAX * RX_KEYS < KEY_SLOTS keys live */
		if (t->key_slot[k] == 0 || t->key_slot[k] == SLOT_DELETED) {
			if (t->key_slot[k] == SLOT_DELETED) {
				t->key_deleted--;
			}
			t->key_slot[k] = v;
			t->key_id[k] = id;
			return;
		}
	}
}

/* Tombstones make a miss (a forged key id) scan further: past a quarter of
 * the table, start again from the live keys. */
static void key_slots_rebuild(struct dp_peers *t)
{
	memset(t->key_slot, 0, sizeof(t->key_slot));
	t->key_deleted = 0;
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		for (int k = 0; t->peer[i].used && k < DP_RX_KEYS; k++) {
			if (t->peer[i].rx[k].key) {
				key_slot_put(t, t->peer[i].rx[k].id,
					     (uint32_t)(i * DP_RX_KEYS + k) +
						     1);
			}
		}
	}
}

int dp_peer_add_rx_key(struct dp_peers *t, int idx, struct dp_key *key,
		       uint32_t id, uint64_t now_ms)
{
	struct dp_peer *p = &t->peer[idx];
	int other, slot = -1;

	if (dp_peers_rx_key(t, id, &other)) {
		return -EEXIST;
	}
	for (int k = 0; k < DP_RX_KEYS && slot < 0; k++) {
		if (!p->rx[k].key) {
			slot = k;
		}
	}
	if (slot < 0) {
		slot = 0;
		for (int k = 1; k < DP_RX_KEYS; k++) {
			if (p->rx[k].since_ms < p->rx[slot].since_ms) {
				slot = k;
			}
		}
	}
	rx_key_drop(t, &p->rx[slot]);
	if (t->key_deleted > DP_KEY_SLOTS / 4) {
		key_slots_rebuild(t);
	}
	key_slot_put(t, id, (uint32_t)(idx * DP_RX_KEYS + slot) + 1);
	p->rx[slot] =
		(struct dp_rx_key){.key = key, .id = id, .since_ms = now_ms};
	return 0;
}

void dp_peer_expire_rx_keys(struct dp_peers *t, int idx, uint64_t now_ms,
			    uint64_t max_age_ms)
{
	struct dp_peer *p = &t->peer[idx];
	uint64_t newest = 0;

	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since_ms > newest) {
			newest = p->rx[k].since_ms;
		}
	}
	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since_ms < newest &&
		    now_ms > newest && now_ms - newest > max_age_ms) {
			rx_key_drop(t, &p->rx[k]);
		}
	}
}
