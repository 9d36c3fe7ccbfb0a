/*
 * Big-endian (network order) loads and stores at any alignment, for wire
 * formats decoded at the parse boundary: never a struct cast over bytes.
 * The caller has checked the length.
 */
#ifndef VRD_BYTES_H
#define VRD_BYTES_H

#include <stdint.h>

static inline uint16_t vrd_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vrd_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t vrd_get_be64(const uint8_t *p)
{
	return (uint64_t)vrd_get_be32(p) << 32 | vrd_get_be32(p + 4);
}

static inline void vrd_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void vrd_put_be32(uint8_t *p, uint32_t v)
{
	vrd_put_be16(p, (uint16_t)(v >> 16));
	vrd_put_be16(p + 2, (uint16_t)v);
}

static inline void vrd_put_be64(uint8_t *p, uint64_t v)
{
	vrd_put_be32(p, (uint32_t)(v >> 32));
	vrd_put_be32(p + 4, (uint32_t)v);
}

#endif
