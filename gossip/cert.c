/*
 * Keys, key files, certificate files, signing and verification. The
 * binary certificate codec is in cert_codec.c, the daemon's start-up check
 * in cert_trust.c.
 *
 * Every key file is one line, "TAG <base64>\n". Secrets (seeds, secret
 * keys, the text of a private key file) live only in sodium_malloc memory
 * and are wiped when freed.
 */
#include "gossip/cert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAG_CA_KEY "vrd-ca-key-v1"
#define TAG_CA_PUB "vrd-ca-pub-v1"
#define TAG_ROUTER_KEY "vrd-router-key-v1"
#define TAG_CERT "vrd-cert-v1"
#define FILE_MAX 4096 /* no key or certificate file is longer */

struct gossip_key {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

static int sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

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

/* ---- keys ---------------------------------------------------------- */

struct gossip_key *
gossip_key_from_seed(const uint8_t seed[GOSSIP_KEY_SEEDBYTES])
{
	struct gossip_key *key;

	if (sodium_ready() < 0) {
		errno = EIO;
		return NULL;
	}
	key = sodium_malloc(sizeof(*key));
	if (!key) {
		errno = ENOMEM;
		return NULL;
	}
	crypto_sign_seed_keypair(key->pk, key->sk, seed);
	sodium_mprotect_readonly(key);
	return key;
}

struct gossip_key *gossip_key_generate(void)
{
	struct gossip_key *key;
	uint8_t *seed;

	if (sodium_ready() < 0) {
		errno = EIO;
		return NULL;
	}
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	if (!seed) {
		errno = ENOMEM;
		return NULL;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	key = gossip_key_from_seed(seed);
	sodium_free(seed);
	return key;
}

void gossip_key_destroy(struct gossip_key *key)
{
	if (key) {
		sodium_free(key); /* wipes */
	}
}

void gossip_key_public(struct gossip_pub *out, const struct gossip_key *key)
{
	memcpy(out->b, key->pk, sizeof(out->b));
}

const uint8_t *gossip_key_secret(const struct gossip_key *key)
{
	return key->sk;
}

int gossip_key_sign(uint8_t sig[GOSSIP_SIGBYTES], const struct gossip_key *key,
		    const uint8_t *msg, size_t len)
{
	if (sodium_ready() < 0) {
		return -EIO;
	}
	if (crypto_sign_detached(sig, NULL, msg, len, key->sk) != 0) {
		return -EIO;
	}
	return 0;
}

int gossip_key_match_cert(const struct gossip_key *key,
			  const struct gossip_cert *cert)
{
	if (sodium_ready() < 0) {
		return -EIO;
	}
	if (sodium_memcmp(key->pk, cert->key.b, sizeof(key->pk)) != 0) {
		return -EKEYREJECTED;
	}
	return 0;
}

struct gossip_key *gossip_ca_generate(void)
{
	return gossip_key_generate();
}

void gossip_ca_id(uint8_t id[GOSSIP_CA_IDBYTES], const struct gossip_pub *ca)
{
	uint8_t h[crypto_generichash_BYTES];

	if (sodium_ready() < 0) {
		memset(id, 0, GOSSIP_CA_IDBYTES);
		return;
	}
	crypto_generichash(h, sizeof(h), ca->b, sizeof(ca->b), NULL, 0);
	memcpy(id, h, GOSSIP_CA_IDBYTES);
}

const char *gossip_ca_id_format(const uint8_t id[GOSSIP_CA_IDBYTES],
				char buf[2 * GOSSIP_CA_IDBYTES + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < GOSSIP_CA_IDBYTES; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 15];
	}
	buf[2 * GOSSIP_CA_IDBYTES] = '\0';
	return buf;
}

/* ---- files --------------------------------------------------------- */

static void dir_sync(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* best effort: the file itself is synced */
		close(fd);
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Writes text to a new temp file beside path (O_EXCL, mode, fsync), then
 * renames it over path or, with no_replace, links it there (-EEXIST when
 * path exists) and removes the temp name.
 */
static int file_write_atomic(const char *path, const char *text, size_t len,
			     mode_t mode, bool no_replace)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%08x", path,
		     randombytes_random()) >= (int)sizeof(tmp)) {
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0) {
		return -errno;
	}
	rc = fchmod(fd, mode) < 0 ? -errno : 0; /* whatever the umask */
	if (rc == 0) {
		rc = write_all(fd, text, len);
	}
	if (rc == 0 && fsync(fd) < 0) {
		rc = -errno;
	}
	if (close(fd) < 0 && rc == 0) {
		rc = -errno;
	}
	if (rc < 0) {
		goto unlink_tmp;
	}
	if (no_replace) {
		rc = link(tmp, path) < 0 ? -errno : 0;
		unlink(tmp);
	} else {
		rc = rename(tmp, path) < 0 ? -errno : 0;
		if (rc < 0) {
			goto unlink_tmp;
		}
	}
	if (rc == 0) {
		dir_sync(path);
	}
	return rc;

unlink_tmp:
	unlink(tmp);
	return rc;
}

/* "TAG <base64>\n" of bin, written by file_write_atomic(). The text is
 * built in sodium memory: for a key file it holds the secret. */
static int tagged_save(const char *path, const char *tag, const uint8_t *bin,
		       size_t len, mode_t mode, bool no_replace)
{
	size_t taglen = strlen(tag);
	size_t b64len =
		sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	size_t cap = taglen + 1 + b64len + 1;
	char *text;
	int rc;

	if (sodium_ready() < 0) {
		return -EIO;
	}
	text = sodium_malloc(cap);
	if (!text) {
		return -ENOMEM;
	}
	memcpy(text, tag, taglen);
	text[taglen] = ' ';
	sodium_bin2base64(text + taglen + 1, b64len, bin, len,
			  sodium_base64_VARIANT_ORIGINAL);
	/* b64len counts the NUL, which becomes the newline */
	text[taglen + b64len] = '\n';
	rc = file_write_atomic(path, text, taglen + b64len + 1, mode,
			       no_replace);
	sodium_free(text);
	return rc;
}

/* Reads path into buf (cap bytes, NUL-terminated). With secret, refuses
 * a file group or others may read. */
static int file_read_small(const char *path, bool secret, char *buf, size_t cap,
			   size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t off = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-rc));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		seterr(err, errlen, "%s: not a regular file", path);
		goto close_fd;
	}
	if (secret && (st.st_mode & 077)) {
		rc = -EACCES;
		seterr(err, errlen,
		       "%s: private key is readable by group or others "
		       "(mode %04o); chmod 600 %s",
		       path, (unsigned)(st.st_mode & 07777), path);
		goto close_fd;
	}
	for (;;) {
		ssize_t n = read(fd, buf + off, cap - 1 - off);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = -errno;
			seterr(err, errlen, "%s: %s", path, strerror(-rc));
			goto close_fd;
		}
		if (n == 0) {
			break;
		}
		off += (size_t)n;
		if (off == cap - 1) {
			rc = -EBADMSG;
			seterr(err, errlen, "%s: file too long", path);
			goto close_fd;
		}
	}
	buf[off] = '\0';
	*len = off;
close_fd:
	close(fd);
	return rc;
}

/* "TAG <base64>" and optional trailing white space: decodes into bin. With
 * exact, the decoded length must be cap. */
static int tagged_parse(const char *text, size_t len, const char *tag,
			uint8_t *bin, size_t cap, bool exact, size_t *binlen)
{
	size_t taglen = strlen(tag);
	const char *b64, *end;

	if (len <= taglen || memcmp(text, tag, taglen) != 0 ||
	    text[taglen] != ' ') {
		return -EBADMSG;
	}
	b64 = text + taglen + 1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
			   text[len - 1] == ' ' || text[len - 1] == '\t')) {
		len--;
	}
	if (text + len <= b64) {
		return -EBADMSG;
	}
	if (sodium_base642bin(bin, cap, b64, (size_t)(text + len - b64), NULL,
			      binlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len || (exact && *binlen != cap)) {
		return -EBADMSG;
	}
	return 0;
}

static int tagged_load(const char *path, const char *tag, const char *what,
		       bool secret, uint8_t *bin, size_t cap, bool exact,
		       size_t *binlen, char *err, size_t errlen)
{
	char *text;
	size_t len = 0;
	int rc;

	if (sodium_ready() < 0) {
		seterr(err, errlen, "%s: libsodium failed to start", path);
		return -EIO;
	}
	text = sodium_malloc(FILE_MAX);
	if (!text) {
		seterr(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	rc = file_read_small(path, secret, text, FILE_MAX, &len, err, errlen);
	if (rc < 0) {
		goto free_text;
	}
	rc = tagged_parse(text, len, tag, bin, cap, exact, binlen);
	if (rc < 0) {
		seterr(err, errlen, "%s: not a %s file (\"%s <base64>\")", path,
		       what, tag);
	}
free_text:
	sodium_free(text);
	return rc;
}

static int key_save(const struct gossip_key *key, const char *path,
		    const char *tag, bool no_replace)
{
	uint8_t *seed;
	int rc;

	if (sodium_ready() < 0) {
		return -EIO;
	}
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	if (!seed) {
		return -ENOMEM;
	}
	crypto_sign_ed25519_sk_to_seed(seed, key->sk);
	rc = tagged_save(path, tag, seed, crypto_sign_SEEDBYTES, 0600,
			 no_replace);
	sodium_free(seed);
	return rc;
}

static int key_load(struct gossip_key **out, const char *path, const char *tag,
		    const char *what, char *err, size_t errlen)
{
	uint8_t *seed;
	size_t n;
	int rc;

	*out = NULL;
	if (sodium_ready() < 0) {
		seterr(err, errlen, "%s: libsodium failed to start", path);
		return -EIO;
	}
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	if (!seed) {
		seterr(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	rc = tagged_load(path, tag, what, true, seed, crypto_sign_SEEDBYTES,
			 true, &n, err, errlen);
	if (rc < 0) {
		goto free_seed;
	}
	*out = gossip_key_from_seed(seed);
	if (!*out) {
		rc = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
	}
free_seed:
	sodium_free(seed);
	return rc;
}

int gossip_key_save(const struct gossip_key *key, const char *path)
{
	return key_save(key, path, TAG_ROUTER_KEY, false);
}

int gossip_key_load(struct gossip_key **out, const char *path, char *err,
		    size_t errlen)
{
	return key_load(out, path, TAG_ROUTER_KEY, "router key", err, errlen);
}

int gossip_ca_key_save(const struct gossip_key *ca, const char *path)
{
	return key_save(ca, path, TAG_CA_KEY, true);
}

int gossip_ca_key_load(struct gossip_key **out, const char *path, char *err,
		       size_t errlen)
{
	return key_load(out, path, TAG_CA_KEY, "CA key", err, errlen);
}

int gossip_ca_pub_save(const struct gossip_pub *ca, const char *path)
{
	return tagged_save(path, TAG_CA_PUB, ca->b, sizeof(ca->b), 0644, false);
}

int gossip_ca_pub_load(struct gossip_pub *out, const char *path, char *err,
		       size_t errlen)
{
	size_t n;

	return tagged_load(path, TAG_CA_PUB, "CA public key", false, out->b,
			   sizeof(out->b), true, &n, err, errlen);
}

/* ---- certificates -------------------------------------------------- */

int gossip_cert_sign(struct gossip_cert *cert, const struct gossip_key *ca)
{
	uint8_t tbs[GOSSIP_CERT_ENCODED_MAX];
	struct gossip_pub pub;
	size_t n;
	int rc;

	if (cert->nnetworks == 0 || cert->nvns == 0 ||
	    cert->not_before > cert->not_after) {
		return -EINVAL;
	}
	gossip_key_public(&pub, ca);
	gossip_ca_id(cert->ca_id, &pub);
	rc = gossip_cert_encode_tbs(tbs, sizeof(tbs), &n, cert);
	if (rc < 0) {
		return -EINVAL;
	}
	return gossip_key_sign(cert->sig, ca, tbs, n);
}

void gossip_cert_fingerprint_bytes(uint8_t out[GOSSIP_CERT_FPBYTES],
				   const uint8_t *p, size_t len)
{
	_Static_assert(GOSSIP_CERT_FPBYTES == crypto_hash_sha256_BYTES,
		       "a fingerprint is a SHA-256");
	if (sodium_ready() < 0) {
		memset(out, 0, GOSSIP_CERT_FPBYTES);
		return;
	}
	crypto_hash_sha256(out, p, len);
}

int gossip_cert_fingerprint(uint8_t out[GOSSIP_CERT_FPBYTES],
			    const struct gossip_cert *cert)
{
	uint8_t b[GOSSIP_CERT_ENCODED_MAX];
	size_t n;

	if (gossip_cert_encode(b, sizeof(b), &n, cert) < 0) {
		return -EBADMSG;
	}
	gossip_cert_fingerprint_bytes(out, b, n);
	return 0;
}

int gossip_cert_verify(const struct gossip_cert *cert,
		       const struct gossip_pub *ca, uint64_t now)
{
	uint8_t tbs[GOSSIP_CERT_ENCODED_MAX], id[GOSSIP_CA_IDBYTES];
	size_t n;

	if (sodium_ready() < 0) {
		return -EIO;
	}
	if (gossip_cert_encode_tbs(tbs, sizeof(tbs), &n, cert) < 0) {
		return -EBADMSG;
	}
	gossip_ca_id(id, ca);
	if (sodium_memcmp(id, cert->ca_id, sizeof(id)) != 0) {
		return -EKEYREJECTED;
	}
	if (crypto_sign_verify_detached(cert->sig, tbs, n, ca->b) != 0) {
		return -EKEYREJECTED;
	}
	if (now < cert->not_before || now > cert->not_after) {
		return -EKEYEXPIRED;
	}
	return 0;
}

int gossip_cert_save(const struct gossip_cert *cert, const char *path)
{
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	size_t n;
	int rc;

	rc = gossip_cert_encode(buf, sizeof(buf), &n, cert);
	if (rc < 0) {
		return rc;
	}
	return tagged_save(path, TAG_CERT, buf, n, 0644, false);
}

int gossip_cert_load(struct gossip_cert *out, const char *path, char *err,
		     size_t errlen)
{
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	size_t n;
	int rc;

	rc = tagged_load(path, TAG_CERT, "certificate", false, buf, sizeof(buf),
			 false, &n, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = gossip_cert_decode(out, buf, n);
	if (rc < 0) {
		seterr(err, errlen, "%s: malformed certificate", path);
	}
	return rc;
}
