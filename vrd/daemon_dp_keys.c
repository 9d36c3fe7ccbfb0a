/*
 * Session keys of the data plane (docs/dataplane.md, "Keys").
 *
 * Each router makes its own transmit key for each peer: 32 random bytes,
 * a random key id, the cipher it prefers, an epoch that only grows. The key
 * travels as a gossip direct message sealed with crypto_box from our
 * certified key (Ed25519, converted to X25519) to the peer's certified
 * key, so whoever carries it can neither read nor forge it. The peer
 * installs it as a receive key and acknowledges; only then do we send with
 * it, so no packet is sealed with a key the other end lacks. Keys are
 * rotated every DP_REKEY_MS or DP_REKEY_PACKETS; the replaced
 * receive key stays DP_OLD_KEY_MS for packets in flight.
 *
 * Message: kind (1 byte), a 24-byte nonce, the box.
 *   KEYX: the box holds dp_keyx (dp_wire.h).
 *   ACK:  the box holds key id (4), status (1), epoch (4): the offer's,
 *         or for ACK_STALE the newest we took, for the sender to pass.
 *         An offer is answered whether it is taken, taken already (a
 *         retry whose ACK was lost) or older than one taken, so that
 *         no retry goes on unanswered (dp_keyx_judge).
 *   REKEY: an empty box: the sender lost our key (it restarted, or we did
 *          not hear that it did) and asks for a new one.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "gossip/node.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "vrd/daemon_dp.h"
#include "vrd/migrate.h"

#define MSG_KEYX 1
#define MSG_ACK 2
#define MSG_REKEY 3 /* "I lost your key: send me a new one" (empty) */
#define ACK_OK 0
#define ACK_CIPHER 1 /* we cannot use that cipher */
#define ACK_ID 2 /* the key id collides with another key here */
#define ACK_STALE \
	3 /* an older epoch than one taken: the ACK's epoch is
		     * that one, go above it */
#define ACK_LEN 9
#define RETRY_MAX_MS 8000

int vrd_daemon_dp_keys_init(struct vrd_daemon_dp *s)
{
	const uint8_t *ed = gossip_key_secret(s->d->key);

	s->link = sodium_malloc(sizeof(*s->link) * DP_PEERS_MAX);
	s->x_sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!s->link || !s->x_sk) {
		vrd_daemon_dp_keys_fini(s);
		return -ENOMEM;
	}
	sodium_memzero(s->link, sizeof(*s->link) * DP_PEERS_MAX);
	if (crypto_sign_ed25519_sk_to_curve25519(s->x_sk, ed) != 0) {
		vrd_daemon_dp_keys_fini(s);
		return -EINVAL;
	}
	return 0;
}

void vrd_daemon_dp_keys_fini(struct vrd_daemon_dp *s)
{
	sodium_free(s->link); /* wipes */
	sodium_free(s->x_sk);
	s->link = NULL;
	s->x_sk = NULL;
}

void vrd_daemon_dp_keys_forget(struct vrd_daemon_dp *s, int idx)
{
	sodium_memzero(&s->link[idx], sizeof(s->link[idx]));
}

/* The shared box key with peer idx, from its certificate. */
static bool box_ready(struct vrd_daemon_dp *s, int idx, const char *name)
{
	struct dp_link *l = &s->link[idx];
	struct gossip_cert cert;
	uint8_t xpk[crypto_box_PUBLICKEYBYTES];

	if (l->box_ready) {
		return true;
	}
	if (!gossip_node_peer_cert(s->d->gossip, name, &cert) ||
	    crypto_sign_ed25519_pk_to_curve25519(xpk, cert.key.b) != 0 ||
	    crypto_box_beforenm(l->box_key, xpk, s->x_sk) != 0) {
		return false;
	}
	l->box_ready = true;
	return true;
}

#define BOX_OVERHEAD (1 + crypto_box_NONCEBYTES + crypto_box_MACBYTES)
#define BOX_PLAIN_MAX (GOSSIP_DIRECT_MAX - BOX_OVERHEAD)

static int send_boxed(struct vrd_daemon_dp *s, int idx, const char *name,
		      uint8_t kind, const uint8_t *m, size_t mlen)
{
	uint8_t msg[GOSSIP_DIRECT_MAX];
	uint8_t *nonce = msg + 1;
	int rc;

	if (mlen > BOX_PLAIN_MAX) {
		return -EMSGSIZE;
	}

	msg[0] = kind;
	randombytes_buf(nonce, crypto_box_NONCEBYTES);
	crypto_box_easy_afternm(msg + 1 + crypto_box_NONCEBYTES, m, mlen, nonce,
				s->link[idx].box_key);
	rc = gossip_node_send_direct(s->d->gossip, name, msg,
				     1 + crypto_box_NONCEBYTES +
					     crypto_box_MACBYTES + mlen);
	sodium_memzero(msg, BOX_OVERHEAD + mlen);
	if (rc < 0) {
		s->stats.keyx_send_errors++;
		log_ratelimited(&s->rl, VRD_LOG_WARN,
				"peer %s: cannot send a sealed message: %s",
				name, strerror(-rc));
	}
	return rc;
}

int vrd_daemon_dp_send_sealed(struct vrd_daemon *d, const char *to,
			      uint8_t kind, const uint8_t *msg, size_t len)
{
	struct vrd_daemon_dp *s = d->dps;
	int idx;

	if (!s || !s->link) {
		return -ENOTCONN;
	}
	idx = dp_peer_find(dp_peers(s->dp), to);
	if (idx < 0) {
		return -ENOENT;
	}
	if (!box_ready(s, idx, to)) {
		return -ENOKEY;
	}
	return send_boxed(s, idx, to, kind, msg, len);
}

int vrd_daemon_dp_send_sealed_all(struct vrd_daemon *d, uint8_t kind,
				  const uint8_t *msg, size_t len)
{
	struct vrd_daemon_dp *s = d->dps;
	struct dp_peers *t;
	int sent = 0;

	if (!s || !s->link) {
		return -ENOTCONN;
	}
	t = dp_peers(s->dp);
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		const struct dp_peer *p = &t->peer[i];

		if (p->used && !s->link[i].gossip_down &&
		    box_ready(s, i, p->name) &&
		    send_boxed(s, i, p->name, kind, msg, len) == 0) {
			sent++;
		}
	}
	return sent;
}

static void send_keyx(struct vrd_daemon_dp *s, int idx, const char *name,
		      uint64_t now_ms)
{
	struct dp_link *l = &s->link[idx];
	struct dp_keyx kx = {
		.version = DP_KEYX_VERSION,
		.cipher = l->pend_cipher,
		.key_id = l->pend_id,
		.epoch = l->pend_epoch,
	};
	uint8_t m[DP_KEYX_LEN];

	memcpy(kx.secret, l->pend_secret, sizeof(kx.secret));
	if (dp_keyx_encode(m, sizeof(m), &kx) == 0) {
		send_boxed(s, idx, name, MSG_KEYX, m, sizeof(m));
	}
	sodium_memzero(&kx, sizeof(kx));
	sodium_memzero(m, sizeof(m));
	l->pend_sent_ms = now_ms;
	l->tries++;
	s->stats.keyx_sent++;
}

void vrd_daemon_dp_keys_offer(struct vrd_daemon_dp *s, int idx, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);
	struct dp_link *l = &s->link[idx];
	char name[VRD_NAME_MAX + 1];
	uint32_t now_s = (uint32_t)(vrd_wallclock_ms() / 1000);

	memcpy(name, t->peer[idx].name, sizeof(name));
	if (!box_ready(s, idx, name)) {
		return;
	}
	if (!l->pending) {
		l->pending = true;
		l->pend_cipher = (uint8_t)dp_cipher_preferred();
		randombytes_buf(l->pend_secret, sizeof(l->pend_secret));
		l->pend_id = randombytes_random();
		l->pend_epoch = now_s > l->epoch_tx ? now_s : l->epoch_tx + 1;
		l->epoch_tx = l->pend_epoch;
		l->tries = 0;
	}
	send_keyx(s, idx, name, now_ms);
}

static void send_ack(struct vrd_daemon_dp *s, int idx, const char *name,
		     uint32_t id, uint8_t status, uint32_t epoch)
{
	uint8_t m[ACK_LEN];

	vrd_put_be32(m, id);
	m[4] = status;
	vrd_put_be32(m + 5, epoch);
	send_boxed(s, idx, name, MSG_ACK, m, sizeof(m));
}

static bool cipher_usable(uint8_t c)
{
	return c == DP_CHACHA20POLY1305 ||
	       (c == DP_AES256GCM && crypto_aead_aes256gcm_is_available());
}

static void take_keyx(struct vrd_daemon_dp *s, int idx, const char *name,
		      const uint8_t *m, size_t len)
{
	struct dp_peers *t = dp_peers(s->dp);
	struct dp_link *l = &s->link[idx];
	uint64_t now_ms = vrd_monotonic_ms();
	int64_t now_s = (int64_t)(vrd_wallclock_ms() / 1000);
	struct dp_keyx kx;
	struct dp_key *key;
	int rc;

	if (dp_keyx_decode(&kx, m, len) < 0) {
		s->stats.keyx_bad++;
		return;
	}
	/* an old message replayed by whoever carried it changes nothing */
	switch (dp_keyx_judge(l->epoch_rx, l->rx_id, kx.epoch, kx.key_id, now_s,
			      DP_KEYX_SKEW_S)) {
	case DP_KEYX_TAKE:
		break;
	case DP_KEYX_AGAIN:
		/* without this the sender would retry it forever */
		send_ack(s, idx, name, kx.key_id, ACK_OK, kx.epoch);
		goto out;
	case DP_KEYX_STALE:
		s->stats.keyx_stale++;
		send_ack(s, idx, name, kx.key_id, ACK_STALE, l->epoch_rx);
		goto out;
	case DP_KEYX_SKEWED:
		s->stats.keyx_stale++;
		goto out;
	}
	if (!cipher_usable(kx.cipher)) {
		send_ack(s, idx, name, kx.key_id, ACK_CIPHER, kx.epoch);
		goto out;
	}
	key = dp_key_create(kx.cipher, kx.secret);
	if (!key) {
		log_ratelimited(&s->rl, VRD_LOG_ERR, "peer %s: key: %s", name,
				strerror(errno));
		goto out;
	}
	dp_peers_write_lock(t);
	rc = dp_peer_add_rx_key(t, idx, key, kx.key_id, now_ms);
	dp_peers_unlock(t);
	if (rc < 0) {
		dp_key_destroy(key);
		send_ack(s, idx, name, kx.key_id, ACK_ID, kx.epoch);
		goto out;
	}
	l->epoch_rx = kx.epoch;
	l->rx_id = kx.key_id;
	s->stats.keyx_received++;
	send_ack(s, idx, name, kx.key_id, ACK_OK, kx.epoch);
	/* it will want to hear back: have a key ready for the replies */
	if (!t->peer[idx].tx_key && !l->pending) {
		vrd_daemon_dp_keys_offer(s, idx, now_ms);
	}
out:
	sodium_memzero(&kx, sizeof(kx));
}

static void take_ack(struct vrd_daemon_dp *s, int idx, const char *name,
		     const uint8_t *m, size_t len)
{
	struct dp_peers *t = dp_peers(s->dp);
	struct dp_link *l = &s->link[idx];
	uint64_t now_ms = vrd_monotonic_ms();
	struct dp_key *key;
	uint32_t id;

	if (len != ACK_LEN) {
		s->stats.keyx_bad++;
		return;
	}
	id = vrd_get_be32(m);
	if (!l->pending || id != l->pend_id) {
		s->stats.keyx_stale++;
		return;
	}
	if (m[4] != ACK_OK) {
		/* pick again: another id, or the cipher everyone has */
		l->pend_id = randombytes_random();
		if (m[4] == ACK_CIPHER) {
			l->pend_cipher = DP_CHACHA20POLY1305;
		}
		if (m[4] == ACK_STALE) {
			/* it took a later epoch of ours, from before we
			 * restarted: go above it */
			uint32_t floor = vrd_get_be32(m + 5);

			if (floor >= l->pend_epoch) {
				l->pend_epoch = floor + 1;
				l->epoch_tx = l->pend_epoch;
			}
		}
		send_keyx(s, idx, name, now_ms);
		return;
	}
	key = dp_key_create(l->pend_cipher, l->pend_secret);
	if (!key) {
		log_ratelimited(&s->rl, VRD_LOG_ERR, "peer %s: key: %s", name,
				strerror(errno));
		return;
	}
	dp_peers_write_lock(t);
	if (t->peer[idx].tx_key) {
		s->stats.rekeys++;
	}
	dp_peer_set_tx_key(t, idx, key, l->pend_id, now_ms);
	dp_peers_unlock(t);
	l->pending = false;
	sodium_memzero(l->pend_secret, sizeof(l->pend_secret));
	s->stats.keyx_acks++;
}

void vrd_daemon_dp_keys_ask(struct vrd_daemon_dp *s, int idx, uint64_t now_ms)
{
	struct dp_link *l = &s->link[idx];
	char name[VRD_NAME_MAX + 1];

	if (l->asked_ms && now_ms - l->asked_ms < 1000) {
		return;
	}
	l->asked_ms = now_ms;
	memcpy(name, dp_peers(s->dp)->peer[idx].name, sizeof(name));
	if (box_ready(s, idx, name)) {
		send_boxed(s, idx, name, MSG_REKEY, (const uint8_t *)"", 0);
	}
}

void vrd_daemon_dp_keys_direct(struct vrd_daemon_dp *s, const char *from,
			       const uint8_t *msg, size_t len)
{
	struct dp_peers *t = dp_peers(s->dp);
	uint8_t m[BOX_PLAIN_MAX];
	size_t mlen;
	int idx = dp_peer_find(t, from);

	if (idx < 0 || !box_ready(s, idx, from) || len < BOX_OVERHEAD ||
	    len - BOX_OVERHEAD > sizeof(m)) {
		s->stats.keyx_bad++;
		return;
	}
	mlen = len - BOX_OVERHEAD;
	if (crypto_box_open_easy_afternm(m, msg + 1 + crypto_box_NONCEBYTES,
					 len - 1 - crypto_box_NONCEBYTES,
					 msg + 1, s->link[idx].box_key) != 0) {
		s->stats.keyx_bad++;
		return;
	}
	if (msg[0] == MSG_KEYX) {
		take_keyx(s, idx, from, m, mlen);
	} else if (msg[0] == MSG_ACK) {
		take_ack(s, idx, from, m, mlen);
	} else if (msg[0] == MSG_REKEY && mlen == 0) {
		/* a fresh key even if one is pending: that one may be lost */
		s->link[idx].pending = false;
		vrd_daemon_dp_keys_offer(s, idx, vrd_monotonic_ms());
	} else if (msg[0] == DP_MSG_HOSTS && s->d->migrate) {
		vrd_migrate_hosts(s->d->migrate, from, m, mlen);
	} else if (msg[0] == DP_MSG_SEEK && s->d->migrate) {
		vrd_migrate_seek(s->d->migrate, from, m, mlen);
	} else {
		s->stats.keyx_bad++;
	}
	sodium_memzero(m, mlen);
}

static bool has_old_rx_key(const struct dp_peer *p, uint64_t now_ms)
{
	uint64_t newest = 0;
	bool older = false;

	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since_ms > newest) {
			newest = p->rx[k].since_ms;
		}
	}
	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since_ms < newest) {
			older = true;
		}
	}
	return older && now_ms - newest > DP_OLD_KEY_MS;
}

void vrd_daemon_dp_keys_tick(struct vrd_daemon_dp *s, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);

	/* the daemon's thread is the only writer of the table's shape, so it
	 * reads it without the lock */
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		struct dp_peer *p = &t->peer[i];
		struct dp_link *l = &s->link[i];
		unsigned shift;

		if (!p->used) {
			continue;
		}
		if (l->gossip_down &&
		    now_ms - dp_load(&p->last_rx_ms) >= DP_DOWN_GRACE_MS) {
			vrd_daemon_dp_peer_drop(s, i);
			continue;
		}
		if (l->renew) {
			/* it restarted, or refuted a suspicion: a key of
			 * ours it surely has, and (take_keyx) one of its
			 * own in return, before traffic finds them lost */
			l->renew = false;
			l->pending = false;
			s->stats.renewals++;
			vrd_daemon_dp_keys_offer(s, i, now_ms);
		}
		shift = l->tries ? l->tries - 1 : 0;
		if (l->pending &&
		    now_ms - l->pend_sent_ms >=
			    (shift > 4 ? RETRY_MAX_MS
				       : (uint64_t)DP_KEYX_RETRY_MS << shift)) {
			send_keyx(s, i, p->name, now_ms);
		}
		if (p->tx_key && !l->pending &&
		    (now_ms - p->tx_key_since_ms > DP_REKEY_MS ||
		     dp_load(&p->tx_counter) > DP_REKEY_PACKETS)) {
			vrd_daemon_dp_keys_offer(s, i, now_ms);
		}
		if (has_old_rx_key(p, now_ms)) {
			dp_peers_write_lock(t);
			dp_peer_expire_rx_keys(t, i, now_ms, DP_OLD_KEY_MS);
			dp_peers_unlock(t);
		}
	}
}
