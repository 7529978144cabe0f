/*
 * The SASL client mechanisms (sasl.c) against a hostile server's
 * challenges.  The first byte picks the mechanism; the second says
 * whether the challenges, the rest split at LF, go in as they are
 * (fuzzing the base64 decoder) or base64-encoded here first (fuzzing each
 * mechanism's parser: SCRAM's server-first and server-final messages,
 * OAuth error JSON, CRAM-MD5's challenge).  SCRAM uses RFC 5802's client
 * nonce, so that the seed corpus holds the RFC's real exchange.
 * Invariants: every response is one base64 line (nothing that could end
 * the AUTH command early), and every failure is ERR_PROTOCOL or ERR_AUTH
 * with a message.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "fuzz.h"
#include "sasl.h"

#define FUZZ_ROUNDS	8
/* SCRAM's i= is the server's to choose; PBKDF2 with millions of rounds
 * is a slow input, not a bug: those inputs are skipped. */
#define FUZZ_ITER_MAX	4096

static const char *const fuzz_mechs[] = {
	"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
	"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS", "XOAUTH2", "OAUTHBEARER",
	"EXTERNAL",
};
#define FUZZ_NMECHS (sizeof(fuzz_mechs) / sizeof(fuzz_mechs[0]))

/* The digits after "i=", read within the n bytes: the buffer has no
 * NUL, so strtoul would read past it. */
static unsigned long
fuzz_iter(const unsigned char *p, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		if ((v = v * 10 + (unsigned long)(p[i] - '0')) > FUZZ_ITER_MAX)
			break;
	return v;
}

static bool
fuzz_slow(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if ((i == 0 || p[i - 1] == ',') && p[i] == 'i' &&
		    p[i + 1] == '=' &&
		    fuzz_iter(p + i + 2, n - i - 2) > FUZZ_ITER_MAX)
			return true;
	return false;
}

static void
fuzz_b64_only(const char *s)
{
	for (; *s != '\0'; s++)
		FUZZ_CHECK((*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '+' || *s == '/' || *s == '=');
}

/* One challenge as the session would pass it: base64 text. */
static char *
fuzz_challenge(const char *p, size_t n, bool encode, bool *slow)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)p, (unsigned)n };
	gnutls_datum_t d = { NULL, 0 };
	char *s;

	*slow = false;
	if (encode) {
		*slow = fuzz_slow(in.data, n);
		if (n == 0)
			return strdup("");
		return gnutls_base64_encode2(&in, &d) < 0 ? NULL :
		    (char *)d.data;
	}
	if (gnutls_base64_decode2(&in, &d) >= 0) {
		*slow = fuzz_slow(d.data, d.size);
		gnutls_free(d.data);
	}
	if ((s = malloc(n + 1)) != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static void
fuzz_exchange(struct sasl *s, const char *p, const char *end, bool encode)
{
	for (int round = 0; round < FUZZ_ROUNDS && p <= end; round++) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf ? (size_t)(lf - p) : (size_t)(end - p);
		char *ch, *resp = NULL;
		struct err e;
		bool slow;
		int rc;

		if ((ch = fuzz_challenge(p, n, encode, &slow)) == NULL)
			return;
		if (slow) {
			free(ch);
			return;
		}
		err_clear(&e);
		rc = sasl_step(s, ch, strlen(ch), &resp, &e);
		free(ch);
		if (rc < 0) {
			FUZZ_CHECK(e.cls == ERR_PROTOCOL || e.cls == ERR_AUTH);
			FUZZ_CHECK(e.msg[0] != '\0');
			return;
		}
		FUZZ_CHECK(resp != NULL);
		fuzz_b64_only(resp);
		sasl_wipe(resp);
		(void)sasl_complete(s);
		if (lf == NULL)
			return;
		p = lf + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_cred cred = { NULL, "user", "pencil", "mail.example.org",
		587 };
	struct sasl_chan chan;
	struct sasl s;
	struct err e;
	char *initial = NULL;

	if (size < 2)
		return 0;
	memset(&chan, 0, sizeof(chan));
	memset(&s, 0, sizeof(s));
	chan.offered = "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 "
	    "SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS XOAUTH2 OAUTHBEARER EXTERNAL";
	chan.tls = true;
	chan.client_cert = true;
	chan.cb_type = "tls-exporter";
	chan.cb_len = 32;
	memset(chan.cb_data, 0xa5, chan.cb_len);
	chan.nonce = "fyko+d2lbbFgONRv9qkxdawL";	/* RFC 5802 section 5 */
	err_clear(&e);
	if (sasl_start(&s, fuzz_mechs[data[0] % FUZZ_NMECHS], &cred, &chan,
	    &initial, &e) == 0) {
		if (initial != NULL)
			fuzz_b64_only(initial);
		sasl_wipe(initial);
		fuzz_exchange(&s, (const char *)data + 2,
		    (const char *)data + size, data[1] & 1);
	}
	sasl_end(&s);
	return 0;
}
