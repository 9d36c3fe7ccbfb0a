/*
 * gossip_trust_check(): what vrd checks at start-up and under `vrd -n`
 * before it speaks to any peer. Built on the public API of cert.h.
 */
#include "gossip/cert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *time_format(uint64_t unix_s, char buf[VRD_RFC3339_STRLEN])
{
	/* beyond year 9999 the text would not fit: say so */
	if (unix_s > 253402300799ULL) {
		snprintf(buf, VRD_RFC3339_STRLEN, "(year > 9999)");
		return buf;
	}
	return vrd_rfc3339(unix_s * 1000, buf);
}

static int explain_verify(int rc, const struct gossip_cert *cert,
			  const struct gossip_pub *ca, const char *cert_path,
			  const char *ca_path, uint64_t now, char *err,
			  size_t errlen)
{
	char t[VRD_RFC3339_STRLEN], want[2 * GOSSIP_CA_IDBYTES + 1],
		have[2 * GOSSIP_CA_IDBYTES + 1];
	uint8_t id[GOSSIP_CA_IDBYTES];

	switch (rc) {
	case -EKEYEXPIRED:
		if (now < cert->not_before) {
			seterr(err, errlen,
			       "certificate %s is not valid before %s",
			       cert_path, time_format(cert->not_before, t));
		} else {
			seterr(err, errlen, "certificate %s expired at %s",
			       cert_path, time_format(cert->not_after, t));
		}
		break;
	case -EKEYREJECTED:
		gossip_ca_id(id, ca);
		gossip_ca_id_format(id, want);
		gossip_ca_id_format(cert->ca_id, have);
		if (strcmp(want, have) != 0) {
			seterr(err, errlen,
			       "certificate %s was issued by CA %s, not by the "
			       "CA in %s (%s)",
			       cert_path, have, ca_path, want);
		} else {
			seterr(err, errlen,
			       "certificate %s: bad signature by the CA in %s",
			       cert_path, ca_path);
		}
		break;
	default:
		seterr(err, errlen, "certificate %s: %s", cert_path,
		       strerror(-rc));
		break;
	}
	return rc;
}

int gossip_trust_check(const char *ca_path, const char *cert_path,
		       const char *key_path, const char *name,
		       const struct vrd_prefix *network, uint32_t vn,
		       uint64_t now, char *err, size_t errlen)
{
	struct gossip_key *key = NULL;
	struct gossip_cert cert;
	struct gossip_pub ca;
	char p[VRD_PREFIX_STRLEN];
	int rc;

	rc = gossip_ca_pub_load(&ca, ca_path, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = gossip_cert_load(&cert, cert_path, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = gossip_cert_verify(&cert, &ca, now);
	if (rc < 0) {
		return explain_verify(rc, &cert, &ca, cert_path, ca_path, now,
				      err, errlen);
	}
	if (strcmp(cert.name, name) != 0) {
		seterr(err, errlen,
		       "certificate %s is for router %s, not for %s", cert_path,
		       cert.name, name);
		return -EKEYREJECTED;
	}
	rc = gossip_key_load(&key, key_path, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = gossip_key_match_cert(key, &cert);
	gossip_key_destroy(key);
	if (rc < 0) {
		seterr(err, errlen, "key %s does not match certificate %s",
		       key_path, cert_path);
		return rc;
	}
	if (network && !gossip_cert_covers_prefix(&cert, network)) {
		seterr(err, errlen, "certificate %s does not cover network %s",
		       cert_path, vrd_prefix_format(network, p));
		return -EPERM;
	}
	if (!gossip_cert_has_vn(&cert, vn)) {
		seterr(err, errlen, "certificate %s does not allow vn %u",
		       cert_path, (unsigned)vn);
		return -EPERM;
	}
	return 0;
}
