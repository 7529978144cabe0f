/*
 * check_report: what tlsmail prints for people.  Sanitising is checked on
 * hostile bytes and on every cut a small buffer can make; the session
 * report is checked as exact text written to a memory stream, with a fixed
 * "now" so that days-left arithmetic is exact.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "outcome.h"
#include "report.h"
#include "ckrun.h"

#define DAY 86400
/* 2026-01-01 00:00:00 UTC and 2027-01-01 00:00:00 UTC. */
#define T2026 ((time_t)1767225600)
#define T2027 ((time_t)1798761600)

struct mem {
	char *buf;
	size_t len;
	FILE *fp;
};

static FILE *
mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->fp = open_memstream(&m->buf, &m->len);
	ck_assert_ptr_nonnull(m->fp);
	return m->fp;
}

/* Closes the stream; the caller frees m->buf. */
static char *
mem_text(struct mem *m)
{
	ck_assert_int_eq(fclose(m->fp), 0);
	return m->buf;
}

/* Nothing a terminal would act on: only printable ASCII and newlines. */
static void
assert_terminal_safe(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		ck_assert_msg(c == '\n' || (c >= 0x20 && c <= 0x7e),
			      "byte 0x%02x at offset %zu", c, i);
	}
}

static void
assert_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "missing \"%s\" in:\n%s",
		      needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) == NULL, "unexpected \"%s\" in:\n%s",
		      needle, hay);
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	ck_assert_ptr_nonnull(p);
	return p;
}

/*
 * report_sanitize
 */

static const char *
san(char *out, size_t cap, const char *in, size_t len)
{
	size_t n = report_sanitize(out, cap, in, len);

	/* The return value is always the length of what was written. */
	ck_assert_uint_eq(n, strlen(out));
	return out;
}

/* Terminal controls become visible escapes. */
START_TEST(test_sanitize_controls)
{
	char out[128];

	ck_assert_str_eq(san(out, sizeof(out), "\x1b[2J", 4), "\\x1b[2J");
	ck_assert_str_eq(san(out, sizeof(out), "ding\a", 5), "ding\\x07");
	ck_assert_str_eq(san(out, sizeof(out), "x\r\ny", 4), "x\\x0d\\x0ay");
	ck_assert_str_eq(san(out, sizeof(out), "del\x7f", 4), "del\\x7f");
	ck_assert_str_eq(san(out, sizeof(out), "\t", 1), "\\x09");
}
END_TEST

/* A NUL in the middle is data, not the end: it is escaped and what
 * follows it is kept. */
START_TEST(test_sanitize_nul)
{
	char out[64];

	ck_assert_str_eq(san(out, sizeof(out), "a\0b", 3), "a\\x00b");
	ck_assert_str_eq(san(out, sizeof(out), "\0\0", 2), "\\x00\\x00");
}
END_TEST

/* 8-bit bytes (UTF-8 or not) are escaped one by one. */
START_TEST(test_sanitize_8bit)
{
	char out[64];

	ck_assert_str_eq(san(out, sizeof(out), "\x80\xff", 2), "\\x80\\xff");
	ck_assert_str_eq(san(out, sizeof(out), "caf\xc3\xa9", 5),
			 "caf\\xc3\\xa9");
}
END_TEST

/* Every printable ASCII byte, space and backslash included, is itself. */
START_TEST(test_sanitize_printable)
{
	char in[95], out[128];

	for (int c = 0x20; c <= 0x7e; c++)
		in[c - 0x20] = (char)c;
	ck_assert_uint_eq(report_sanitize(out, sizeof(out), in, sizeof(in)),
			  95);
	ck_assert_mem_eq(out, in, 95);
	ck_assert_str_eq(san(out, sizeof(out), "a\\x1b", 5), "a\\x1b");
	ck_assert_str_eq(san(out, sizeof(out), "", 0), "");
}
END_TEST

/* Every other byte is escaped, as lowercase \xNN. */
START_TEST(test_sanitize_every_other_byte)
{
	char in[1], out[8], want[8];

	for (int c = 0; c < 256; c++) {
		if (c >= 0x20 && c <= 0x7e)
			continue;
		in[0] = (char)c;
		snprintf(want, sizeof(want), "\\x%02x", c);
		ck_assert_str_eq(san(out, sizeof(out), in, 1), want);
	}
}
END_TEST

/* A small buffer cuts between escapes, never inside one, and always
 * leaves a terminated string. */
START_TEST(test_sanitize_cap)
{
	char out[16];

	/* "ab\x1b" needs 6 bytes + NUL. */
	ck_assert_str_eq(san(out, 7, "ab\x1b", 3), "ab\\x1b");
	ck_assert_str_eq(san(out, 6, "ab\x1b", 3), "ab");
	ck_assert_str_eq(san(out, 4, "ab\x1b", 3), "ab");
	ck_assert_str_eq(san(out, 3, "ab\x1b", 3), "ab");
	ck_assert_str_eq(san(out, 2, "ab\x1b", 3), "a");
	ck_assert_str_eq(san(out, 1, "ab\x1b", 3), "");
	ck_assert_str_eq(san(out, 3, "abc", 3), "ab");
	ck_assert_str_eq(san(out, 4, "abc", 3), "abc");
	/* Two escapes, room for one and a half. */
	ck_assert_str_eq(san(out, 7, "\x01\x02", 2), "\\x01");
	/* Bytes past the cut are not written. */
	memset(out, '#', sizeof(out));
	report_sanitize(out, 5, "\x1b\x1b", 2);
	ck_assert_mem_eq(out, "\\x1b\0###", 8);
}
END_TEST

/* cap 0: nothing can be written, not even the NUL. */
START_TEST(test_sanitize_cap_zero)
{
	char out[4] = "###";

	ck_assert_uint_eq(report_sanitize(out, 0, "abc", 3), 0);
	ck_assert_str_eq(out, "###");
}
END_TEST

/*
 * report_error, report_transcript
 */

START_TEST(test_error_format)
{
	struct mem m;
	struct err e;
	char *s;

	err_clear(&e);
	err_set(&e, ERR_DATA, STEP_RCPT,
		"server refused <bob@example.net>: 550 5.1.1 no such user");
	err_hint(&e, "check the address");
	report_error(mem_open(&m), "tlsmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(
	    s, "tlsmail: RCPT: server refused <bob@example.net>: 550 5.1.1 no "
	       "such user; check the address\n");
	free(s);
}
END_TEST

/* GnuTLS's sentences end in a full stop; it goes before the hint, and
 * stays when there is no hint. */
START_TEST(test_error_full_stop)
{
	struct mem m;
	struct err e;
	char *s;

	err_clear(&e);
	err_set(&e, ERR_SECURITY, STEP_TLS,
		"certificate for \"a.example\" not trusted: The name in the "
		"certificate does not match the expected.");
	err_hint(&e, "check --host");
	report_error(mem_open(&m), "tlsmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(
	    s, "tlsmail: TLS: certificate for \"a.example\" not trusted: The "
	       "name in the certificate does not match the expected; check "
	       "--host\n");
	free(s);
	e.hint[0] = '\0';
	report_error(mem_open(&m), "tlsmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(
	    s, "tlsmail: TLS: certificate for \"a.example\" not trusted: The "
	       "name in the certificate does not match the expected.\n");
	free(s);
}
END_TEST

/* No step, no hint: neither leaves a stray separator. */
START_TEST(test_error_no_step_no_hint)
{
	struct mem m;
	struct err e;
	char *s;

	err_clear(&e);
	err_set(&e, ERR_CONFIG, STEP_NONE, "cannot read /etc/tlsmailrc");
	report_error(mem_open(&m), "sendmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(s, "sendmail: cannot read /etc/tlsmailrc\n");
	free(s);
	err_set(&e, ERR_TEMP, STEP_TLS, "%s", "");
	report_error(mem_open(&m), "tlsmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(s, "tlsmail: TLS: failed\n");
	free(s);
}
END_TEST

/* Server text inside a message cannot reach the terminal raw. */
START_TEST(test_error_hostile)
{
	struct mem m;
	struct err e;
	char *s;

	err_clear(&e);
	err_set(&e, ERR_UNAVAILABLE, STEP_GREETING, "server said: 554 %s",
		"\x1b[2Jgo away\r\ntlsmail: sent");
	err_hint(&e, "ask \x07 the admin");
	report_error(mem_open(&m), "tlsmail", &e);
	s = mem_text(&m);
	ck_assert_str_eq(
	    s, "tlsmail: greeting: server said: 554 "
	       "\\x1b[2Jgo away\\x0d\\x0atlsmail: sent; ask \\x07 the admin\n");
	assert_terminal_safe(s, strlen(s));
	free(s);
}
END_TEST

START_TEST(test_transcript)
{
	struct mem m;
	FILE *fp = mem_open(&m);
	char *s;

	report_transcript(fp, '>', "EHLO host\r\n", 11);
	report_transcript(fp, '<', "250-PIPELINING", 14);
	/* A bare LF is a protocol anomaly: shown, not swallowed. */
	report_transcript(fp, '<', "250 a\nb\n", 8);
	report_transcript(fp, '<', "250 \x1b]0;pwned\x07\r\n", 16);
	report_transcript(fp, '<', "25\0 x", 5);
	report_transcript(fp, '*', "", 0);
	s = mem_text(&m);
	ck_assert_str_eq(s, "> EHLO host\n"
			    "< 250-PIPELINING\n"
			    "< 250 a\\x0ab\\x0a\n"
			    "< 250 \\x1b]0;pwned\\x07\n"
			    "< 25\\x00 x\n"
			    "* \n");
	free(s);
}
END_TEST

/*
 * report_session
 */

static void
cert_fill(struct cert_facts *c, const char *subject, const char *issuer,
	  const char *sans, time_t from, time_t to)
{
	c->subject = xstrdup(subject);
	c->issuer = xstrdup(issuer);
	c->sans = xstrdup(sans);
	c->serial = xstrdup("01a2b3");
	c->sig_alg = xstrdup("RSA-SHA256");
	c->not_before = from;
	c->not_after = to;
	snprintf(c->key_type, sizeof(c->key_type), "RSA");
	c->key_bits = 3072;
	snprintf(c->sha256, sizeof(c->sha256), "AB:CD:EF");
	snprintf(c->pin_sha256, sizeof(c->pin_sha256), "cGluLXNoYTI1Ng==");
}

static void
rcpt_add(struct outcome *o, const char *addr, int code, const char *text)
{
	struct rcpt_result *r;

	r = realloc(o->rcpts, (o->nrcpt + 1) * sizeof(*r));
	ck_assert_ptr_nonnull(r);
	o->rcpts = r;
	r[o->nrcpt].addr = xstrdup(addr);
	r[o->nrcpt].code = code;
	r[o->nrcpt].text = text != NULL ? xstrdup(text) : NULL;
	o->nrcpt++;
}

/* A delivered message over verified TLS 1.3 with a two-certificate chain,
 * two recipients (one refused). */
static void
outcome_full(struct outcome *o)
{
	outcome_init(o);
	o->server = xstrdup("mail.example.org");
	snprintf(o->address, sizeof(o->address), "192.0.2.1");
	o->port = 587;
	o->greeting = xstrdup("220 mail.example.org ESMTP");
	o->caps_plain = xstrdup("PIPELINING\nSTARTTLS\n8BITMIME");
	o->caps_tls = xstrdup("PIPELINING\nAUTH PLAIN LOGIN\n");
	o->tls.active = true;
	snprintf(o->tls.version, sizeof(o->tls.version), "TLS1.3");
	snprintf(o->tls.cipher, sizeof(o->tls.cipher),
		 "TLS_AES_256_GCM_SHA384");
	snprintf(o->tls.kx_group, sizeof(o->tls.kx_group), "X25519");
	snprintf(o->tls.sig_alg, sizeof(o->tls.sig_alg),
		 "ECDSA-SECP256R1-SHA256");
	o->tls.chain = calloc(2, sizeof(*o->tls.chain));
	ck_assert_ptr_nonnull(o->tls.chain);
	o->tls.nchain = 2;
	cert_fill(&o->tls.chain[0], "CN=mail.example.org", "CN=Test CA",
		  "DNS:mail.example.org, IP:127.0.0.1", T2026, T2027);
	cert_fill(&o->tls.chain[1], "CN=Test CA", "CN=Test CA", "", T2026,
		  T2026 + 3650 * (time_t)DAY);
	o->tls.verified = true;
	o->tls.verify_reason = xstrdup("");
	snprintf(o->auth_mech, sizeof(o->auth_mech), "PLAIN");
	rcpt_add(o, "bob@example.net", 250, "2.1.5 Ok");
	rcpt_add(o, "eve@example.net", 550, "5.1.1 no such user");
	o->final_code = 250;
	o->final_text = xstrdup("2.0.0 Ok: queued as 4XyZ");
	o->delivered = true;
	o->round_trips = 8;
	o->writes = 5;
}

static char *
session_text(const struct outcome *o, time_t now)
{
	struct mem m;
	char *s;

	report_session(mem_open(&m), o, now);
	s = mem_text(&m);
	assert_terminal_safe(s, m.len);
	return s;
}

/* The whole report, byte for byte: the layout is an interface (scripts
 * and tests grep it).  now is 32 days and 1 hour before expiry. */
START_TEST(test_session_full)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	s = session_text(&o, T2027 - 32 * DAY - 3600);
	ck_assert_str_eq(
	    s,
	    "server:       mail.example.org [192.0.2.1]:587\n"
	    "greeting:     220 mail.example.org ESMTP\n"
	    "ehlo:         PIPELINING, STARTTLS, 8BITMIME\n"
	    "tls:          TLS1.3, TLS_AES_256_GCM_SHA384\n"
	    "key exchange: X25519\n"
	    "signature:    ECDSA-SECP256R1-SHA256\n"
	    "resumable:    no\n"
	    "verified:     yes (certificate chain and name "
	    "\"mail.example.org\")\n"
	    "certificate 0 (server):\n"
	    "  subject:    CN=mail.example.org\n"
	    "  issuer:     CN=Test CA\n"
	    "  names:      DNS:mail.example.org, IP:127.0.0.1\n"
	    "  serial:     01a2b3\n"
	    "  signature:  RSA-SHA256\n"
	    "  valid:      2026-01-01 00:00:00 UTC to 2027-01-01 00:00:00 UTC "
	    "(32 days left)\n"
	    "  key:        RSA 3072 bits\n"
	    "  sha256:     AB:CD:EF\n"
	    "  pin-sha256: cGluLXNoYTI1Ng==\n"
	    "certificate 1:\n"
	    "  subject:    CN=Test CA\n"
	    "  issuer:     CN=Test CA\n"
	    "  names:      none\n"
	    "  serial:     01a2b3\n"
	    "  signature:  RSA-SHA256\n"
	    "  valid:      2026-01-01 00:00:00 UTC to 2035-12-30 00:00:00 UTC "
	    "(3317 days left)\n"
	    "  key:        RSA 3072 bits\n"
	    "  sha256:     AB:CD:EF\n"
	    "  pin-sha256: cGluLXNoYTI1Ng==\n"
	    "ehlo (tls):   PIPELINING, AUTH PLAIN LOGIN\n"
	    "auth:         PLAIN\n"
	    "recipients:   bob@example.net: 250 2.1.5 Ok\n"
	    "              eve@example.net: 550 5.1.1 no such user\n"
	    "result:       250 2.0.0 Ok: queued as 4XyZ\n"
	    "round trips:  8\n"
	    "writes:       5\n");
	free(s);
	outcome_free(&o);
}
END_TEST

/* Days are whole days rounded down; one day is singular. */
START_TEST(test_session_days_left)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	s = session_text(&o, T2027 - 2 * DAY + 1);
	assert_contains(s, "2027-01-01 00:00:00 UTC (1 day left)\n");
	free(s);
	s = session_text(&o, T2027 - 1);
	assert_contains(s, "2027-01-01 00:00:00 UTC (0 days left)\n");
	free(s);
	s = session_text(&o, T2027);
	assert_contains(s, "2027-01-01 00:00:00 UTC (0 days left)\n");
	free(s);
	outcome_free(&o);
}
END_TEST

START_TEST(test_session_expired)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	o.tls.verified = false;
	free(o.tls.verify_reason);
	o.tls.verify_reason =
	    xstrdup("The certificate is NOT trusted. The "
		    "certificate chain uses expired certificate.");
	s = session_text(&o, T2027 + 3 * DAY + 3600);
	assert_contains(s, "UTC to 2027-01-01 00:00:00 UTC "
			   "(expired 3 days ago)\n");
	assert_contains(
	    s, "verified:     no: The certificate is NOT "
	       "trusted. The certificate chain uses expired certificate.\n");
	free(s);
	s = session_text(&o, T2027 + DAY);
	assert_contains(s, "(expired 1 day ago)\n");
	free(s);
	s = session_text(&o, T2027 + 60);
	assert_contains(s, "(expired today)\n");
	free(s);
	s = session_text(&o, T2026 - 60);
	assert_contains(s, "2026-01-01 00:00:00 UTC to 2027-01-01 00:00:00 "
			   "UTC (not valid yet)\n");
	free(s);
	outcome_free(&o);
}
END_TEST

/* Plain text sessions say so, and print no TLS details. */
START_TEST(test_session_no_tls)
{
	struct outcome o;
	char *s;

	outcome_init(&o);
	o.server = xstrdup("localhost");
	snprintf(o.address, sizeof(o.address), "127.0.0.1");
	o.port = 25;
	rcpt_add(&o, "bob@example.net", 250, "ok");
	o.final_code = 250;
	o.final_text = xstrdup("queued");
	o.delivered = true;
	o.round_trips = 4;
	s = session_text(&o, T2026);
	assert_contains(s, "server:       localhost [127.0.0.1]:25\n");
	assert_contains(s, "tls:          none (plaintext)\n");
	assert_contains(s, "auth:         none\n");
	assert_contains(s, "result:       250 queued\n");
	assert_contains(s, "round trips:  4\n");
	assert_lacks(s, "verified:");
	assert_lacks(s, "certificate");
	assert_lacks(s, "key exchange:");
	assert_lacks(s, "greeting:");
	assert_lacks(s, "ehlo");
	assert_lacks(s, "message:");	/* never fitted */
	free(s);
	/* once fitted to the server, how it went */
	o.msg = (struct msg_facts){ true, 1834, true, true, false };
	s = session_text(&o, T2026);
	assert_contains(s, "auth:         none\n"
	    "message:      1834 octets, 8BITMIME, SMTPUTF8\n"
	    "recipients:   ");
	free(s);
	o.msg = (struct msg_facts){ true, 2048, false, false, true };
	s = session_text(&o, T2026);
	assert_contains(s, "message:      2048 octets, 7bit (8-bit parts "
	    "converted to quoted-printable)\n");
	free(s);
	outcome_free(&o);
}
END_TEST

/* A refused certificate: no session, but the reason and the chain. */
START_TEST(test_session_refused_cert)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	o.tls.active = false;
	o.tls.verified = false;
	o.tls.verify_status = 0x42;
	free(o.tls.verify_reason);
	o.tls.verify_reason =
	    xstrdup("The certificate is NOT trusted. The "
		    "name in the certificate does not match the expected.");
	o.delivered = false;
	o.final_code = 0;
	free(o.final_text);
	o.final_text = NULL;
	err_set(&o.err, ERR_SECURITY, STEP_TLS,
		"certificate for \"%s\" not "
		"trusted",
		"mail.example.org");
	err_hint(&o.err, "check --host");
	s = session_text(&o, T2026 + DAY);
	assert_contains(
	    s, "tls:          handshake not completed\n"
	       "verified:     no: The certificate is NOT trusted. The name in "
	       "the certificate does not match the expected.\n"
	       "certificate 0 (server):\n"
	       "  subject:    CN=mail.example.org\n");
	assert_contains(s, "result:       not delivered\n");
	assert_contains(s, "error:        TLS: certificate for "
			   "\"mail.example.org\" not trusted; check --host\n");
	assert_lacks(s, "key exchange:");
	free(s);
	outcome_free(&o);
}
END_TEST

START_TEST(test_session_pinned)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	o.tls.pinned = true;
	o.tls.pin_matched = true;
	s = session_text(&o, T2026);
	assert_contains(s, "verified:     pinned: fingerprint matched\n");
	free(s);
	/* The chain's own verdict is still shown next to the pin's. */
	o.tls.verify_status = 0x42;
	free(o.tls.verify_reason);
	o.tls.verify_reason = xstrdup("The certificate is NOT trusted.");
	s = session_text(&o, T2026);
	assert_contains(s, "verified:     pinned: fingerprint matched (the "
			   "chain alone: The certificate is NOT trusted.)\n");
	free(s);
	o.tls.pin_matched = false;
	o.tls.verified = false;
	s = session_text(&o, T2026);
	assert_contains(s, "verified:     no: the fingerprint does not match "
			   "the pin\n");
	free(s);
	outcome_free(&o);
}
END_TEST

START_TEST(test_session_results)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	o.delivered = false;
	o.delivery_unknown = true;
	s = session_text(&o, T2026);
	assert_contains(s, "result:       delivery unknown: connection lost "
			   "awaiting the final reply\n");
	free(s);
	err_set(&o.err, ERR_TEMP, STEP_DATA, "connection reset by peer");
	s = session_text(&o, T2026);
	assert_contains(s, "result:       delivery unknown: DATA: connection "
			   "reset by peer\n");
	assert_lacks(s, "error:");
	free(s);
	o.delivery_unknown = false;
	o.final_code = 554;
	free(o.final_text);
	o.final_text = xstrdup("5.7.1 spam");
	s = session_text(&o, T2026);
	assert_contains(s, "result:       not delivered: 554 5.7.1 spam\n");
	assert_contains(s, "error:        DATA: connection reset by peer\n");
	free(s);
	/* A recipient that never got a reply says so. */
	o.rcpts[1].code = 0;
	s = session_text(&o, T2026);
	assert_contains(s, "              eve@example.net: no reply\n");
	free(s);
	outcome_free(&o);
}
END_TEST

/* Everything the server chose is escaped: greeting, EHLO keywords, DNs,
 * SANs, reply texts. */
START_TEST(test_session_hostile)
{
	struct outcome o;
	char *s;

	outcome_full(&o);
	free(o.greeting);
	o.greeting = xstrdup("220 \x1b]0;owned\x07 hi\r");
	free(o.caps_tls);
	o.caps_tls = xstrdup("X-\x1b[2J\nAUTH\x7f");
	free(o.tls.chain[0].subject);
	o.tls.chain[0].subject = xstrdup("CN=a\nverified:     yes");
	free(o.tls.chain[0].sans);
	o.tls.chain[0].sans = xstrdup("DNS:\xff\xfe");
	free(o.rcpts[0].text);
	o.rcpts[0].text = xstrdup("ok\r\nresult:       250 fake");
	s = session_text(&o, T2026);
	assert_contains(s, "greeting:     220 \\x1b]0;owned\\x07 hi\\x0d\n");
	assert_contains(s, "ehlo (tls):   X-\\x1b[2J, AUTH\\x7f\n");
	assert_contains(s, "  subject:    CN=a\\x0averified:     yes\n");
	assert_contains(s, "  names:      DNS:\\xff\\xfe\n");
	assert_contains(s, "bob@example.net: 250 ok\\x0d\\x0aresult:       "
			   "250 fake\n");
	free(s);
	outcome_free(&o);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_sanitize_controls);
	tcase_add_test(core, test_sanitize_nul);
	tcase_add_test(core, test_sanitize_8bit);
	tcase_add_test(core, test_sanitize_printable);
	tcase_add_test(core, test_error_format);
	tcase_add_test(core, test_error_no_step_no_hint);
	tcase_add_test(core, test_error_full_stop);
	tcase_add_test(core, test_transcript);
	tcase_add_test(core, test_session_full);
	tcase_add_test(core, test_session_no_tls);
	tcase_add_test(core, test_session_refused_cert);
	tcase_add_test(core, test_session_pinned);
	tcase_add_test(core, test_session_results);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_sanitize_every_other_byte);
	tcase_add_test(limits, test_sanitize_cap);
	tcase_add_test(limits, test_sanitize_cap_zero);
	tcase_add_test(limits, test_error_hostile);
	tcase_add_test(limits, test_session_days_left);
	tcase_add_test(limits, test_session_expired);
	tcase_add_test(limits, test_session_hostile);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	return ck_run(report_suite());
}
