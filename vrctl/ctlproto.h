/*
 * The control socket protocol between vrctl and vrd: a Unix stream socket,
 * length-prefixed frames, one request and its reply per exchange. Pure
 * codec, no I/O.
 *
 *   frame   = u32 length (big-endian, of what follows, <= VRD_CTL_FRAME_MAX)
 *             u8 type, body
 *   REQUEST = u8 version (1), u8 argc, argc x (u16 len, bytes)
 *             the vrctl command words: "gndt"; "route" "192.0.2.9"
 *   ROW     = u8 nfields, nfields x (u8 namelen, name, u8 type, value)
 *             value: STR u16 len + bytes; U64/I64/TIME u64; BOOL u8; NULL -
 *             (vrd_row_encode / vrd_row_decode in vrctl/row.h)
 *   END     = i32 status (0 or -errno), u8 kind, u8 fixed, u16 len, message
 *
 * A reply is zero or more ROW frames and one END frame. Anything that does
 * not decode exactly (short, long, bad type, bad length) is -EBADMSG.
 */
#ifndef VRD_CTLPROTO_H
#define VRD_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "vrctl/row.h"

#define VRD_CTL_VERSION 1
#define VRD_CTL_FRAME_MAX (64u * 1024)
#define VRD_CTL_ARGS_MAX 16
#define VRD_CTL_ARG_MAX 255

enum vrd_ctl_type {
	VRD_CTL_REQUEST = 1,
	VRD_CTL_ROW,
	VRD_CTL_END,
};

/* struct vrd_buf and the ROW body encoding live in vrctl/row.h: a reply
 * keeps its rows in that encoding. */

struct vrd_ctl_request {
	int argc;
	char argv[VRD_CTL_ARGS_MAX][VRD_CTL_ARG_MAX + 1];
};

int vrd_ctl_put_request(struct vrd_buf *b, int argc, char *const argv[]);
int vrd_ctl_put_row(struct vrd_buf *b, const struct vrd_row *row);
int vrd_ctl_put_end(struct vrd_buf *b, const struct vrd_reply *rep);
/* All rows of rep then its END; the rows rep keeps encoded are copied into
 * frames as they are. The error rep remembers (vrd_reply_finish()) fails
 * it; b is left as it was on failure. */
int vrd_ctl_put_reply(struct vrd_buf *b, const struct vrd_reply *rep);

/*
 * Looks at the start of p: 0 when no whole frame is there yet; the whole
 * frame's size (4 + length) when one is; -EBADMSG when the length is 0 or
 * over VRD_CTL_FRAME_MAX. *type and the body (*body, *body_len) are set
 * when a frame is there.
 */
long vrd_ctl_frame(const uint8_t *p, size_t len, uint8_t *type,
		   const uint8_t **body, size_t *body_len);

int vrd_ctl_parse_request(const uint8_t *body, size_t len,
			  struct vrd_ctl_request *out);
int vrd_ctl_parse_row(const uint8_t *body, size_t len, struct vrd_row *out);
/* Fills status, kind, fixed and message of rep. */
int vrd_ctl_parse_end(const uint8_t *body, size_t len, struct vrd_reply *rep);

#endif
