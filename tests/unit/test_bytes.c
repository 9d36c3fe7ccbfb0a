/*
 * The bounded byte writer and reader (base/bytes.h): every width round
 * trips big-endian, an overflow or a short read latches, and a latched
 * reader returns zeros and has nothing left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/bytes.h"

static void test_load_store(void **state)
{
	uint8_t b[9] = {0};

	vrd_put_be16(b + 1, 0x0102);
	assert_memory_equal(b + 1, "\x01\x02", 2);
	assert_int_equal(vrd_get_be16(b + 1), 0x0102);
	vrd_put_be32(b + 1, 0x01020304u);
	assert_memory_equal(b + 1, "\x01\x02\x03\x04", 4);
	assert_int_equal(vrd_get_be32(b + 1), 0x01020304u);
	vrd_put_be64(b + 1, 0x0102030405060708ull);
	assert_memory_equal(b + 1, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_true(vrd_get_be64(b + 1) == 0x0102030405060708ull);
	/* the same bytes, read the other way round (LMDB's host order) */
	assert_int_equal(vrd_get_le16(b + 1), 0x0201);
	assert_int_equal(vrd_get_le32(b + 1), 0x04030201u);
	assert_true(vrd_get_le64(b + 1) == 0x0807060504030201ull);
}

static void test_round_trip(void **state)
{
	static const uint8_t want[] = {
		0xfe, /* u8 */
		0xbe, 0xef, /* u16 */
		0xde, 0xad, 0xbe, 0xef, /* u32 */
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, /* u64 */
		0x61, 0x62, 0x63, /* bytes: "abc" */
		0x76, 0x72, 0x64, /* text: "vrd" */
	};
	uint8_t buf[sizeof(want)];
	struct vrd_writer w;
	struct vrd_reader r;
	const uint8_t *p;
	char text[4];

	vrd_writer_init(&w, buf, sizeof(buf));
	vrd_writer_u8(&w, 0xfe);
	vrd_writer_u16(&w, 0xbeef);
	vrd_writer_u32(&w, 0xdeadbeefu);
	vrd_writer_u64(&w, 0x0123456789abcdefull);
	vrd_writer_put(&w, "abc", 3);
	vrd_writer_put(&w, "vrd", 3);
	vrd_writer_put(&w, NULL, 0);
	assert_false(w.overflow);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	vrd_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(vrd_reader_left(&r), sizeof(want));
	assert_int_equal(vrd_reader_u8(&r), 0xfe);
	assert_int_equal(vrd_reader_u16(&r), 0xbeef);
	assert_int_equal(vrd_reader_u32(&r), 0xdeadbeefu);
	assert_true(vrd_reader_u64(&r) == 0x0123456789abcdefull);
	p = vrd_reader_get(&r, 2);
	assert_non_null(p);
	assert_memory_equal(p, "ab", 2);
	vrd_reader_copy(&r, text, 1);
	assert_int_equal(text[0], 'c');
	assert_false(vrd_reader_done(&r));
	assert_int_equal(vrd_reader_left(&r), 3);
	assert_true(vrd_reader_text(&r, 3, text));
	assert_string_equal(text, "vrd");
	assert_true(vrd_reader_text(&r, 0, text));
	assert_string_equal(text, "");
	assert_int_equal(vrd_reader_left(&r), 0);
	assert_true(vrd_reader_done(&r));
	assert_false(r.short_read);
}

static void test_overflow_latches(void **state)
{
	uint8_t buf[8];
	struct vrd_writer w;

	memset(buf, 0xaa, sizeof(buf));
	vrd_writer_init(&w, buf, 7);
	vrd_writer_u32(&w, 0x01020304u);
	vrd_writer_u32(&w, 0x05060708u); /* 4 into 3: nothing of it */
	assert_true(w.overflow);
	assert_int_equal(w.len, 4);
	assert_memory_equal(buf, "\x01\x02\x03\x04\xaa\xaa\xaa", 7);
	/* latched: even what would fit is not written */
	vrd_writer_u8(&w, 0x55);
	vrd_writer_u16(&w, 0x5555);
	vrd_writer_u64(&w, 0);
	vrd_writer_put(&w, "x", 1);
	assert_true(w.overflow);
	assert_int_equal(w.len, 4);
	assert_int_equal(buf[4], 0xaa);
	assert_int_equal(buf[7], 0xaa);

	vrd_writer_init(&w, buf, 0);
	vrd_writer_put(&w, NULL, 0);
	assert_false(w.overflow);
	vrd_writer_u8(&w, 1);
	assert_true(w.overflow);
}

static void test_short_read_latches(void **state)
{
	static const uint8_t in[] = {0x11, 0x22, 0x33, 0x44, 0x55};
	struct vrd_reader r;
	char text[8] = "keep";

	vrd_reader_init(&r, in, sizeof(in));
	assert_int_equal(vrd_reader_u16(&r), 0x1122);
	assert_int_equal(vrd_reader_u32(&r), 0); /* 4 of 3 */
	assert_true(r.short_read);
	assert_int_equal(vrd_reader_left(&r), 0);
	assert_false(vrd_reader_done(&r));
	/* latched: the 3 bytes still there are not handed out */
	assert_int_equal(vrd_reader_u8(&r), 0);
	assert_int_equal(vrd_reader_u16(&r), 0);
	assert_int_equal(vrd_reader_u32(&r), 0);
	assert_true(vrd_reader_u64(&r) == 0);
	assert_null(vrd_reader_get(&r, 0));
	assert_null(vrd_reader_get(&r, 1));
	assert_false(vrd_reader_text(&r, 0, text));
	vrd_reader_copy(&r, text, 1);
	assert_string_equal(text, "keep");

	vrd_reader_init(&r, in, sizeof(in));
	assert_true(vrd_reader_u64(&r) == 0);
	assert_true(r.short_read);
	vrd_reader_init(&r, in, 0);
	assert_int_equal(vrd_reader_u8(&r), 0);
	assert_false(vrd_reader_done(&r));
}

static void test_text(void **state)
{
	static const uint8_t in[] = {'a', '\0', 'b', 'c'};
	struct vrd_reader r;
	char text[8] = "keep";

	/* a NUL inside is refused, the bytes consumed, nothing latched */
	vrd_reader_init(&r, in, sizeof(in));
	assert_false(vrd_reader_text(&r, 2, text));
	assert_false(r.short_read);
	assert_string_equal(text, "keep");
	assert_true(vrd_reader_text(&r, 2, text));
	assert_string_equal(text, "bc");
	assert_true(vrd_reader_done(&r));
	/* more than is left: latched */
	vrd_reader_init(&r, in + 2, 2);
	assert_false(vrd_reader_text(&r, 3, text));
	assert_true(r.short_read);
	assert_string_equal(text, "bc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_store),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_overflow_latches),
		cmocka_unit_test(test_short_read_latches),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
