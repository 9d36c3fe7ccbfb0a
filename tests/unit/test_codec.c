/* tables/codec: round trips, byte layout, and rejection of bad bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "tables/codec.h"

static void test_prefix_key(void **state)
{
	struct vrd_prefix p = {.addr = 0xC0000200, .len = 24}, q;
	uint8_t key[TABLES_KEY_PREFIX_LEN];
	static const uint8_t want[] = {0, 0, 0, 7, 192, 0, 2, 0, 24};
	uint32_t vn;

	assert_int_equal(tables_codec_prefix_key(key, 7, &p), 0);
	assert_memory_equal(key, want, sizeof(want));
	assert_int_equal(
		tables_codec_prefix_key_decode(&vn, &q, key, sizeof(key)), 0);
	assert_int_equal(vn, 7);
	assert_int_equal(q.addr, p.addr);
	assert_int_equal(q.len, 24);
	assert_int_equal(tables_codec_vn_of(key), 7);

	/* host bits, length 33, short key */
	p.addr = 0xC0000201;
	assert_int_equal(tables_codec_prefix_key(key, 7, &p), -EINVAL);
	p.addr = 0xC0000200;
	p.len = 33;
	assert_int_equal(tables_codec_prefix_key(key, 7, &p), -EINVAL);
	key[8] = 33;
	assert_int_equal(tables_codec_prefix_key_decode(&vn, &q, key, 9),
			 -EBADMSG);
	key[8] = 24;
	key[7] = 1;
	assert_int_equal(tables_codec_prefix_key_decode(&vn, &q, key, 9),
			 -EBADMSG);
	key[7] = 0;
	assert_int_equal(tables_codec_prefix_key_decode(&vn, &q, key, 8),
			 -EBADMSG);
	assert_int_equal(tables_codec_prefix_key_decode(&vn, &q, key, 10),
			 -EBADMSG);
}

static void test_keys_order(void **state)
{
	uint8_t a[TABLES_KEY_HWDT_LEN], b[TABLES_KEY_HWDT_LEN];
	uint8_t e1[TABLES_KEY_EVENT_LEN], e2[TABLES_KEY_EVENT_LEN];
	struct vrd_mac mac = {{0x52, 0x54, 0, 0x12, 0x34, 0x56}}, mac2;
	uint8_t m[TABLES_KEY_HWMAC_LEN];
	uint32_t vn, ip;
	uint64_t id;

	/* big-endian: bytewise order is numeric order */
	tables_codec_hwdt_key(a, 1, 0xC00002FF);
	tables_codec_hwdt_key(b, 2, 0x00000001);
	assert_true(memcmp(a, b, sizeof(a)) < 0);
	tables_codec_hwdt_key(b, 1, 0xC0000300);
	assert_true(memcmp(a, b, sizeof(a)) < 0);
	assert_int_equal(tables_codec_hwdt_key_decode(&vn, &ip, a, 8), 0);
	assert_int_equal(vn, 1);
	assert_int_equal(ip, 0xC00002FF);
	assert_int_equal(tables_codec_hwdt_key_decode(&vn, &ip, a, 7),
			 -EBADMSG);

	tables_codec_event_key(e1, 255);
	tables_codec_event_key(e2, 256);
	assert_true(memcmp(e1, e2, sizeof(e1)) < 0);
	assert_int_equal(tables_codec_event_key_decode(&id, e2, 8), 0);
	assert_int_equal(id, 256);
	assert_int_equal(tables_codec_event_key_decode(&id, e2, 9), -EBADMSG);

	tables_codec_hwmac_key(m, 3, &mac, 0xCB007105);
	assert_int_equal(
		tables_codec_hwmac_key_decode(&vn, &mac2, &ip, m, sizeof(m)),
		0);
	assert_int_equal(vn, 3);
	assert_int_equal(ip, 0xCB007105);
	assert_memory_equal(mac2.b, mac.b, 6);
	assert_memory_equal(m + 4, mac.b, 6);
	assert_int_equal(tables_codec_hwmac_key_decode(&vn, &mac2, &ip, m, 13),
			 -EBADMSG);
}

static void test_lndt_value(void **state)
{
	struct tables_lndt_entry e = {.source = TABLES_LNDT_MIGRATED,
				      .added_ms = 0x0102030405060708ULL};
	struct tables_lndt_entry d;
	uint8_t v[TABLES_VAL_LNDT_LEN];
	static const uint8_t want[] = {1, 2, 1, 2, 3, 4, 5, 6, 7, 8};

	assert_int_equal(tables_codec_lndt_encode(v, &e), sizeof(want));
	assert_memory_equal(v, want, sizeof(want));
	memset(&d, 0, sizeof(d));
	assert_int_equal(tables_codec_lndt_decode(&d, v, sizeof(v)), 0);
	assert_int_equal(d.source, e.source);
	assert_true(d.added_ms == e.added_ms);
	assert_int_equal(tables_codec_lndt_decode(&d, v, sizeof(v) - 1),
			 -EBADMSG);
	v[0] = 2;
	assert_int_equal(tables_codec_lndt_decode(&d, v, sizeof(v)), -EBADMSG);
}

static void test_gndt_value(void **state)
{
	struct tables_gndt_entry e = {.seq = 42,
				      .origin = TABLES_GNDT_GOSSIP,
				      .created_ms = 1000,
				      .updated_ms = 2000};
	struct tables_gndt_entry d;
	uint8_t v[TABLES_VAL_GNDT_MAX], bad[TABLES_VAL_GNDT_MAX + 1];
	size_t len;

	strcpy(e.router, "vrB");
	assert_int_equal(tables_codec_gndt_encode(v, &len, &e), 0);
	assert_int_equal(len, TABLES_VAL_GNDT_MIN + 3);
	assert_int_equal(v[0], TABLES_CODEC_VERSION);
	memset(&d, 0xff, sizeof(d));
	assert_int_equal(tables_codec_gndt_decode(&d, v, len), 0);
	assert_string_equal(d.router, "vrB");
	assert_true(d.seq == 42 && d.created_ms == 1000 &&
		    d.updated_ms == 2000);
	assert_int_equal(d.origin, TABLES_GNDT_GOSSIP);

	/* total length must match the string length exactly */
	assert_int_equal(tables_codec_gndt_decode(&d, v, len - 1), -EBADMSG);
	memcpy(bad, v, len);
	bad[len] = 'x';
	assert_int_equal(tables_codec_gndt_decode(&d, bad, len + 1), -EBADMSG);
	/* string length past the end, NUL inside, wrong version */
	memcpy(bad, v, len);
	bad[26] = 40;
	assert_int_equal(tables_codec_gndt_decode(&d, bad, len), -EBADMSG);
	memcpy(bad, v, len);
	bad[28] = '\0';
	assert_int_equal(tables_codec_gndt_decode(&d, bad, len), -EBADMSG);
	memcpy(bad, v, len);
	bad[0] = 0;
	assert_int_equal(tables_codec_gndt_decode(&d, bad, len), -EBADMSG);
	assert_int_equal(tables_codec_gndt_decode(&d, v, 5), -EBADMSG);

	/* the longest name fits; one more does not */
	memset(e.router, 'a', VRD_NAME_MAX);
	e.router[VRD_NAME_MAX] = '\0';
	assert_int_equal(tables_codec_gndt_encode(v, &len, &e), 0);
	assert_int_equal(len, TABLES_VAL_GNDT_MAX);
	assert_int_equal(tables_codec_gndt_decode(&d, v, len), 0);
	assert_int_equal(strlen(d.router), VRD_NAME_MAX);
}

static void test_hwdt_value(void **state)
{
	struct tables_hwdt_entry e = {.mac = {{2, 0, 0, 0, 0, 1}},
				      .source = TABLES_HWDT_RARP,
				      .first_seen_ms = 5,
				      .last_seen_ms = 6};
	struct tables_hwdt_entry d;
	uint8_t v[TABLES_VAL_HWDT_LEN], m[TABLES_VAL_HWMAC_LEN];

	assert_int_equal(tables_codec_hwdt_encode(v, &e), 24);
	memset(&d, 0, sizeof(d));
	assert_int_equal(tables_codec_hwdt_decode(&d, v, sizeof(v)), 0);
	assert_memory_equal(d.mac.b, e.mac.b, 6);
	assert_int_equal(d.source, TABLES_HWDT_RARP);
	assert_true(d.first_seen_ms == 5 && d.last_seen_ms == 6);
	assert_int_equal(tables_codec_hwdt_decode(&d, v, 23), -EBADMSG);
	v[0] = 9;
	assert_int_equal(tables_codec_hwdt_decode(&d, v, 24), -EBADMSG);

	assert_int_equal(tables_codec_hwmac_encode(m), 1);
	assert_int_equal(tables_codec_hwmac_decode(m, 1), 0);
	assert_int_equal(tables_codec_hwmac_decode(m, 0), -EBADMSG);
}

static void test_event_value(void **state)
{
	struct tables_event ev, d;
	uint8_t v[TABLES_VAL_EVENT_MAX], bad[TABLES_VAL_EVENT_MAX];
	size_t len;
	unsigned i;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = 1234567;
	strcpy(ev.type, "migration");
	strcpy(ev.fields[0].key, "ip");
	strcpy(ev.fields[0].value, "192.0.2.20");
	strcpy(ev.fields[1].key, "note");
	ev.fields[1].value[0] = '\0'; /* empty values are allowed */
	ev.nfields = 2;
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), 0);
	memset(&d, 0xee, sizeof(d));
	assert_int_equal(tables_codec_event_decode(&d, v, len), 0);
	assert_true(d.time_ms == 1234567);
	assert_string_equal(d.type, "migration");
	assert_int_equal(d.nfields, 2);
	assert_string_equal(d.fields[0].key, "ip");
	assert_string_equal(d.fields[0].value, "192.0.2.20");
	assert_string_equal(d.fields[1].value, "");

	/* every truncation is rejected, as is a trailing byte */
	for (i = 0; i < len; i++) {
		assert_int_equal(tables_codec_event_decode(&d, v, i), -EBADMSG);
	}
	memcpy(bad, v, len);
	bad[len] = 0;
	assert_int_equal(tables_codec_event_decode(&d, bad, len + 1), -EBADMSG);
	memcpy(bad, v, len);
	bad[0] = 2;
	assert_int_equal(tables_codec_event_decode(&d, bad, len), -EBADMSG);

	/* full event: 8 fields of maximal size */
	strcpy(ev.type, "0123456789012345678901234567890");
	for (i = 0; i < TABLES_EVENT_FIELDS_MAX; i++) {
		memset(ev.fields[i].key, 'k', TABLES_EVENT_KEY_MAX);
		ev.fields[i].key[TABLES_EVENT_KEY_MAX] = '\0';
		memset(ev.fields[i].value, 'v', TABLES_EVENT_VALUE_MAX);
		ev.fields[i].value[TABLES_EVENT_VALUE_MAX] = '\0';
	}
	ev.nfields = TABLES_EVENT_FIELDS_MAX;
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), 0);
	assert_int_equal(len, TABLES_VAL_EVENT_MAX);
	assert_int_equal(tables_codec_event_decode(&d, v, len), 0);
	assert_int_equal(d.nfields, TABLES_EVENT_FIELDS_MAX);
	assert_memory_equal(&d.fields, &ev.fields, sizeof(ev.fields));

	/* too many fields, unterminated key, empty type */
	ev.nfields = TABLES_EVENT_FIELDS_MAX + 1;
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), -ENOSPC);
	ev.nfields = 1;
	memset(ev.fields[0].key, 'k', sizeof(ev.fields[0].key));
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), -EINVAL);
	strcpy(ev.fields[0].key, "k");
	ev.type[0] = '\0';
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), -EINVAL);

	/* a field count over the maximum in stored bytes */
	strcpy(ev.type, "t");
	ev.nfields = 0;
	assert_int_equal(tables_codec_event_encode(v, &len, &ev), 0);
	v[len - 1] = TABLES_EVENT_FIELDS_MAX + 1;
	assert_int_equal(tables_codec_event_decode(&d, v, len), -EBADMSG);
}

static void test_meta_value(void **state)
{
	char text[TABLES_META_VALUE_MAX + 1], out[TABLES_META_VALUE_MAX];
	uint8_t v[TABLES_VAL_META_MAX], bad[TABLES_VAL_META_MAX + 1];
	size_t len;

	assert_int_equal(tables_codec_meta_encode(v, &len, "gateway"), 0);
	assert_int_equal(len, 8);
	assert_int_equal(tables_codec_meta_decode(out, v, len), 0);
	assert_string_equal(out, "gateway");

	memset(text, 'x', TABLES_META_VALUE_MAX - 1);
	text[TABLES_META_VALUE_MAX - 1] = '\0';
	assert_int_equal(tables_codec_meta_encode(v, &len, text), 0);
	assert_int_equal(tables_codec_meta_decode(out, v, len), 0);
	assert_string_equal(out, text);
	text[TABLES_META_VALUE_MAX - 1] = 'x';
	text[TABLES_META_VALUE_MAX] = '\0';
	assert_int_equal(tables_codec_meta_encode(v, &len, text), -EINVAL);

	memset(bad, 'x', sizeof(bad));
	bad[0] = TABLES_CODEC_VERSION;
	assert_int_equal(tables_codec_meta_decode(out, bad, sizeof(bad)),
			 -EBADMSG);
	assert_int_equal(tables_codec_meta_decode(out, bad, 0), -EBADMSG);
	bad[3] = '\0';
	assert_int_equal(tables_codec_meta_decode(out, bad, 5), -EBADMSG);
	bad[0] = 0;
	bad[3] = 'x';
	assert_int_equal(tables_codec_meta_decode(out, bad, 5), -EBADMSG);
}

/* Decoders on every short prefix of garbage: no crash, no acceptance of
 * a wrong length. */
static void test_decoders_garbage(void **state)
{
	uint8_t buf[2048];
	struct tables_event ev;
	struct tables_gndt_entry g;
	struct tables_hwdt_entry h;
	struct tables_lndt_entry l;
	char meta[TABLES_META_VALUE_MAX];
	unsigned seed = 12345;
	size_t i, n;

	for (n = 0; n < 4000; n++) {
		size_t len = n % sizeof(buf);

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
		}
		if (len) {
			buf[0] = TABLES_CODEC_VERSION;
		}
		tables_codec_event_decode(&ev, buf, len);
		tables_codec_meta_decode(meta, buf, len);
		if (tables_codec_gndt_decode(&g, buf, len) == 0) {
			assert_true(len >= TABLES_VAL_GNDT_MIN &&
				    len <= TABLES_VAL_GNDT_MAX);
		}
		if (tables_codec_hwdt_decode(&h, buf, len) == 0) {
			assert_int_equal(len, TABLES_VAL_HWDT_LEN);
		}
		if (tables_codec_lndt_decode(&l, buf, len) == 0) {
			assert_int_equal(len, TABLES_VAL_LNDT_LEN);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_key),
		cmocka_unit_test(test_keys_order),
		cmocka_unit_test(test_lndt_value),
		cmocka_unit_test(test_gndt_value),
		cmocka_unit_test(test_hwdt_value),
		cmocka_unit_test(test_event_value),
		cmocka_unit_test(test_meta_value),
		cmocka_unit_test(test_decoders_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
