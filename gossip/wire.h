/*
 * The gossip messages (docs/gossip.md, "Messages"): one ZeroMQ frame each.
 * Pure codec: no zmq, no libsodium, no I/O, so unit tests and the fuzzer
 * link it alone (library vrd_gossip_wire, with record_codec.c).
 *
 * All integers big-endian. Every name is a u16 length (1 to 32) and the
 * name's bytes (vrd_name_valid). Opaque byte strings (a certificate, a
 * signed record) are a u16 length and the bytes.
 *
 *   header   u8 version (1), u8 type, name sender
 *   HELLO    u16 cert length (1 to GOSSIP_CERT_MAX), cert bytes,
 *            u64 incarnation, u32 address, u16 port (not 0)
 *   PING     u32 probe id
 *   ACK      u32 probe id, name about (whose liveness it confirms:
 *            the sender for a direct ACK, the target for a relayed one)
 *   PING_REQ u32 probe id, name target
 *   RECORDS  u16 count (0 to 64), count x (u16 length, signed record)
 *   DIGEST   u16 count (0 to 256), count x (name origin, u64 origin_seq)
 *   PULL     u16 count (0 to 256), count x (name origin, u64 origin_seq)
 *   MEMBERS  u16 count (0 to 64), count x (name, u32 address, u16 port
 *            (not 0), u64 incarnation, u8 state (1 to 3), u16 cert
 *            length (1 to GOSSIP_CERT_MAX), cert bytes)
 *   QUERY    u64 query id, name origin, u16 budget_ms, u32 vn, mac[6]
 *            (flooded over the active views; budget_ms: how long the
 *            receiver may wait for the routers it asks in turn)
 *   ANSWER   u64 query id, name origin, u32 vn, mac[6], u8 has_router
 *            (0 or 1), has_router x name router (who saw mac last),
 *            u16 count (0 to 64; 0 without a router), count x (u32 ip,
 *            u64 last_seen_ms)
 *   NEIGHBOR u8 op (1 JOIN, 2 JOIN_URGENT, 3 ACCEPT, 4 REFUSE,
 *            5 DISCONNECT, 6 PRUNE, 7 GRAFT): active view maintenance,
 *            and which links of it carry rumours (Plumtree)
 *   DIRECT   name from, name to, u8 hops (0 or 1), u16 length (1 to
 *            GOSSIP_WIRE_DIRECT_MAX), payload: an opaque message from
 *            router `from` to router `to`, relayed at most once
 *
 * Decoding is strict: anything short, long, out of range, of an unknown
 * version or type, a bad name, a RECORDS entry that is not a well-formed
 * signed record (gossip_record_decode), or trailing bytes is -EBADMSG.
 * Certificates are checked for length only: the cert codec decodes them
 * (gossip_cert_decode) and the caller verifies them.
 *
 * Borrowed bytes: a decoded message's cert and record pointers point into
 * the buffer it was decoded from and are valid as long as that buffer is;
 * copy what you keep. A relay forwards a record's bytes unchanged, so the
 * origin's signature stays valid. To encode, point them at your own bytes.
 */
#ifndef GOSSIP_WIRE_H
#define GOSSIP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "gossip/cert.h"
#include "gossip/record.h"
#include "base/addr.h"

#define GOSSIP_WIRE_VERSION 1

enum gossip_msg_type {
	GOSSIP_MSG_HELLO = 1,
	GOSSIP_MSG_PING = 2,
	GOSSIP_MSG_ACK = 3,
	GOSSIP_MSG_PING_REQ = 4,
	GOSSIP_MSG_RECORDS = 5,
	GOSSIP_MSG_DIGEST = 6,
	GOSSIP_MSG_PULL = 7,
	GOSSIP_MSG_MEMBERS = 8,
	GOSSIP_MSG_QUERY = 9,
	GOSSIP_MSG_ANSWER = 10,
	GOSSIP_MSG_NEIGHBOR = 11,
	GOSSIP_MSG_DIRECT = 12,
};
#define GOSSIP_MSG_TYPE_MAX GOSSIP_MSG_DIRECT

/* NEIGHBOR ops (u8). JOIN_URGENT: the sender's active view is empty, so
 * the receiver makes room. PRUNE: the sender got a rumour twice, the
 * second time from the receiver: the link between them stops carrying
 * rumours (both ends stay neighbours). GRAFT: the sender got a record it
 * lacked from the receiver other than as a rumour: the link carries
 * rumours again. */
enum gossip_wire_neighbor_op {
	GOSSIP_WIRE_JOIN = 1,
	GOSSIP_WIRE_JOIN_URGENT = 2,
	GOSSIP_WIRE_ACCEPT = 3,
	GOSSIP_WIRE_REFUSE = 4,
	GOSSIP_WIRE_DISCONNECT = 5,
	GOSSIP_WIRE_PRUNE = 6,
	GOSSIP_WIRE_GRAFT = 7,
};

/* The member states a MEMBERS entry carries (u8). */
enum gossip_wire_state {
	GOSSIP_WIRE_ALIVE = 1,
	GOSSIP_WIRE_SUSPECT = 2,
	GOSSIP_WIRE_DEAD = 3,
};

/* Maxima. A certificate's bytes are at most its codec's largest encoding
 * (817). A full message of each type fits in its GOSSIP_WIRE_*_MAX. */
#define GOSSIP_CERT_MAX GOSSIP_CERT_ENCODED_MAX
#define GOSSIP_WIRE_RECORDS_MAX 64
#define GOSSIP_WIRE_DIGEST_MAX 256 /* DIGEST and PULL entries */
#define GOSSIP_WIRE_MEMBERS_MAX 64
#define GOSSIP_WIRE_ANSWERS_MAX 64
#define GOSSIP_WIRE_DIRECT_MAX 1024 /* DIRECT payload bytes */

#define GOSSIP_WIRE_NAME_MAX (2 + VRD_NAME_MAX)
#define GOSSIP_WIRE_HEADER_MAX (1 + 1 + GOSSIP_WIRE_NAME_MAX)
#define GOSSIP_WIRE_HELLO_MAX \
	(GOSSIP_WIRE_HEADER_MAX + 2 + GOSSIP_CERT_MAX + 8 + 4 + 2)
#define GOSSIP_WIRE_PING_MAX (GOSSIP_WIRE_HEADER_MAX + 4)
#define GOSSIP_WIRE_PING_REQ_MAX \
	(GOSSIP_WIRE_HEADER_MAX + 4 + GOSSIP_WIRE_NAME_MAX)
#define GOSSIP_WIRE_RECORDS_MSG_MAX   \
	(GOSSIP_WIRE_HEADER_MAX + 2 + \
	 GOSSIP_WIRE_RECORDS_MAX * (2 + GOSSIP_RECORD_ENCODED_MAX))
#define GOSSIP_WIRE_DIGEST_MSG_MAX    \
	(GOSSIP_WIRE_HEADER_MAX + 2 + \
	 GOSSIP_WIRE_DIGEST_MAX * (GOSSIP_WIRE_NAME_MAX + 8)) /* and PULL */
#define GOSSIP_WIRE_MEMBER_MAX \
	(GOSSIP_WIRE_NAME_MAX + 4 + 2 + 8 + 1 + 2 + GOSSIP_CERT_MAX)
#define GOSSIP_WIRE_MEMBERS_MSG_MAX   \
	(GOSSIP_WIRE_HEADER_MAX + 2 + \
	 GOSSIP_WIRE_MEMBERS_MAX * GOSSIP_WIRE_MEMBER_MAX)
#define GOSSIP_WIRE_QUERY_MAX \
	(GOSSIP_WIRE_HEADER_MAX + 8 + GOSSIP_WIRE_NAME_MAX + 2 + 4 + 6)
#define GOSSIP_WIRE_ANSWER_MAX                                           \
	(GOSSIP_WIRE_HEADER_MAX + 8 + GOSSIP_WIRE_NAME_MAX + 4 + 6 + 1 + \
	 GOSSIP_WIRE_NAME_MAX + 2 + GOSSIP_WIRE_ANSWERS_MAX * (4 + 8))
#define GOSSIP_WIRE_NEIGHBOR_MAX (GOSSIP_WIRE_HEADER_MAX + 1)
#define GOSSIP_WIRE_DIRECT_MSG_MAX                                   \
	(GOSSIP_WIRE_HEADER_MAX + 2 * GOSSIP_WIRE_NAME_MAX + 1 + 2 + \
	 GOSSIP_WIRE_DIRECT_MAX)
/* The largest message of any type (MEMBERS: 55590 bytes). */
#define GOSSIP_WIRE_MSG_MAX GOSSIP_WIRE_MEMBERS_MSG_MAX

/* A borrowed byte string: a certificate or a signed record. */
struct gossip_wire_bytes {
	const uint8_t *p;
	size_t len;
};

struct gossip_wire_hello {
	struct gossip_wire_bytes cert;
	uint64_t incarnation;
	uint32_t addr; /* host order */
	uint16_t port;
};

/* PING: probe_id; ACK: probe_id and about (in target); PING_REQ:
 * probe_id and target. */
struct gossip_wire_probe {
	uint32_t probe_id;
	char target[VRD_NAME_MAX + 1]; /* PING_REQ: target; ACK: about */
};

struct gossip_wire_records {
	unsigned count; /* 0 to GOSSIP_WIRE_RECORDS_MAX */
	struct gossip_wire_bytes rec[GOSSIP_WIRE_RECORDS_MAX];
};

/* DIGEST: the highest origin_seq held per origin; PULL: send me the
 * records of origin from origin_seq on. */
struct gossip_wire_seq {
	char origin[VRD_NAME_MAX + 1];
	uint64_t origin_seq;
};

struct gossip_wire_seqs {
	unsigned count; /* 0 to GOSSIP_WIRE_DIGEST_MAX */
	struct gossip_wire_seq e[GOSSIP_WIRE_DIGEST_MAX];
};

struct gossip_wire_member {
	char name[VRD_NAME_MAX + 1];
	uint32_t addr; /* host order */
	uint16_t port;
	uint64_t incarnation;
	uint8_t state; /* enum gossip_wire_state */
	struct gossip_wire_bytes cert;
};

struct gossip_wire_members {
	unsigned count; /* 0 to GOSSIP_WIRE_MEMBERS_MAX */
	struct gossip_wire_member m[GOSSIP_WIRE_MEMBERS_MAX];
};

struct gossip_wire_query {
	uint64_t query_id;
	char origin[VRD_NAME_MAX + 1]; /* who asked */
	uint16_t budget_ms;
	uint32_t vn;
	struct vrd_mac mac;
};

struct gossip_wire_answer_entry {
	uint32_t ip; /* host order */
	uint64_t last_seen_ms;
};

struct gossip_wire_answer {
	uint64_t query_id;
	char origin[VRD_NAME_MAX + 1];
	uint32_t vn;
	struct vrd_mac mac;
	char router[VRD_NAME_MAX + 1]; /* "": nobody (count 0) */
	unsigned count; /* 0 to GOSSIP_WIRE_ANSWERS_MAX */
	struct gossip_wire_answer_entry a[GOSSIP_WIRE_ANSWERS_MAX];
};

struct gossip_wire_neighbor {
	uint8_t op; /* enum gossip_wire_neighbor_op */
};

struct gossip_wire_direct {
	char from[VRD_NAME_MAX + 1];
	char to[VRD_NAME_MAX + 1];
	uint8_t hops; /* 0: from the origin; 1: relayed once */
	struct gossip_wire_bytes payload;
};

/* About 12 KB (a DIGEST's entries): allocate it, or keep one per thread. */
struct gossip_wire_msg {
	uint8_t type; /* enum gossip_msg_type */
	char sender[VRD_NAME_MAX + 1];
	union {
		struct gossip_wire_hello hello;
		struct gossip_wire_probe probe; /* PING, ACK, PING_REQ */
		struct gossip_wire_records records;
		struct gossip_wire_seqs seqs; /* DIGEST, PULL */
		struct gossip_wire_members members;
		struct gossip_wire_query query;
		struct gossip_wire_answer answer;
		struct gossip_wire_neighbor neighbor;
		struct gossip_wire_direct direct;
	};
};

/*
 * Encodes m into out (cap bytes) and sets *len. -EINVAL when a field is
 * out of range (what decode would refuse: unknown type, a bad name, a count
 * over its maximum, a cert of 0 or more than GOSSIP_CERT_MAX bytes, record
 * bytes that do not decode, port 0, an unknown state), -EMSGSIZE when cap
 * is short. out is garbage after an error.
 */
int gossip_wire_encode(uint8_t *out, size_t cap, size_t *len,
		       const struct gossip_wire_msg *m);

/* Strict decode (see above): 0 or -EBADMSG. On success *out borrows from
 * p; after an error its contents are unspecified. */
int gossip_wire_decode(const uint8_t *p, size_t len,
		       struct gossip_wire_msg *out);

/* The largest encoding of a message of type (its GOSSIP_WIRE_*_MAX), or 0
 * for an unknown type. */
size_t gossip_wire_max_size(uint8_t type);

/* "hello", "ping", ... for logs and counters; "unknown" otherwise. */
const char *gossip_wire_type_name(uint8_t type);

#endif
