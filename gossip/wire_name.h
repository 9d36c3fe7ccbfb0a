/*
 * Private to the gossip codecs (wire.c, record_codec.c, cert_codec.c):
 * router names as they are read from and checked on the wire, over
 * base/bytes.h's reader. Pure.
 */
#ifndef GOSSIP_WIRE_NAME_H
#define GOSSIP_WIRE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/addr.h"
#include "base/bytes.h"

/* A name of n bytes into name[VRD_NAME_MAX + 1]: false when n is 0 or
 * over VRD_NAME_MAX, the bytes are short, hold a NUL or break the rule. */
static inline bool name_read(struct vrd_reader *r, size_t n,
			     char name[VRD_NAME_MAX + 1])
{
	return n != 0 && n <= VRD_NAME_MAX && vrd_reader_text(r, n, name) &&
	       vrd_name_valid(name);
}

/* name holds a valid name within its VRD_NAME_MAX + 1 bytes. */
static inline bool name_ok(const char name[VRD_NAME_MAX + 1])
{
	return memchr(name, '\0', VRD_NAME_MAX + 1) != NULL &&
	       vrd_name_valid(name);
}

#endif
