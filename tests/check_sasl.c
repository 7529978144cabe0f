/*
 * SASL client mechanisms against the RFCs' own examples: RFC 4616 and
 * RFC 4954 (PLAIN), RFC 2195 section 2 (CRAM-MD5), RFC 5802 section 5
 * (SCRAM-SHA-1), RFC 7677 section 3 (SCRAM-SHA-256), RFC 7628 section 4
 * (OAUTHBEARER), Google's XOAUTH2 example; malformed server messages;
 * SASLprep; the choice; and the channel binding tls.c gives SCRAM-PLUS,
 * checked against RFC 9266's definition on a real TLS 1.3 session.
 */
#include <config.h>

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "outcome.h"
#include "sasl.h"
#include "tls.h"
#include "ckrun.h"

static struct err e;

/* base64 of a NUL-terminated raw string, for readable expectations. */
static char *
b64(const char *raw, size_t n)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)raw, (unsigned)n };
	gnutls_datum_t out = { NULL, 0 };

	ck_assert_int_ge(gnutls_base64_encode2(&in, &out), 0);
	return (char *)out.data;
}

/* Answers one challenge given as raw text; returns the response. */
static int
step_raw(struct sasl *s, const char *raw, char **resp)
{
	char *ch = b64(raw, strlen(raw));
	int rc = sasl_step(s, ch, strlen(ch), resp, &e);

	gnutls_free(ch);
	return rc;
}

static const struct sasl_chan tls_chan = { "PLAIN", true, false, false,
	NULL, { 0 }, 0, NULL };

START_TEST(plain_rfc4616)
{
	/* RFC 4616 section 4: authcid "tim", password "tanstaaftanstaaf" */
	struct sasl_cred c = { NULL, "tim", "tanstaaftanstaaf", NULL, 0 };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "PLAIN", &c, &tls_chan, &ir, &e), 0);
	ck_assert_str_eq(ir, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	ck_assert(sasl_one_step(&s));
	ck_assert(sasl_complete(&s));
	ck_assert_str_eq(sasl_name(&s), "PLAIN");
	sasl_wipe(ir);
	sasl_end(&s);
}
END_TEST

START_TEST(plain_rfc4954)
{
	/* RFC 4954 section 4 example: "test\0test\01234" */
	struct sasl_cred c = { "test", "test", "1234", NULL, 0 };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "plain", &c, &tls_chan, &ir, &e), 0);
	ck_assert_str_eq(ir, "dGVzdAB0ZXN0ADEyMzQ=");
	sasl_wipe(ir);
}
END_TEST

START_TEST(plain_second_challenge_refused)
{
	struct sasl_cred c = { NULL, "u", "p", NULL, 0 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "PLAIN", &c, &tls_chan, &ir, &e), 0);
	sasl_wipe(ir);
	ck_assert_int_eq(sasl_step(&s, "", 0, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

START_TEST(login_exchange)
{
	struct sasl_cred c = { NULL, "alice", "s3cret", NULL, 0 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "LOGIN", &c, &tls_chan, &ir, &e), 0);
	ck_assert_ptr_null(ir);
	ck_assert(!sasl_one_step(&s));
	/* "Username:" */
	ck_assert_int_eq(sasl_step(&s, "VXNlcm5hbWU6", 12, &resp, &e), 0);
	ck_assert_str_eq(resp, "YWxpY2U=");
	sasl_wipe(resp);
	/* "Password:" */
	ck_assert_int_eq(sasl_step(&s, "UGFzc3dvcmQ6", 12, &resp, &e), 0);
	ck_assert_str_eq(resp, "czNjcmV0");
	sasl_wipe(resp);
	ck_assert_int_eq(sasl_step(&s, "UGFzc3dvcmQ6", 12, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

START_TEST(bad_base64_challenge)
{
	struct sasl_cred c = { NULL, "alice", "s3cret", NULL, 0 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "LOGIN", &c, &tls_chan, &ir, &e), 0);
	ck_assert_int_eq(sasl_step(&s, "!!!not base64", 13, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_null(resp);
}
END_TEST

START_TEST(cram_md5_rfc2195)
{
	/* RFC 2195 section 2 */
	struct sasl_cred c = { NULL, "tim", "tanstaaftanstaaf", NULL, 0 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "CRAM-MD5", &c, &tls_chan, &ir, &e),
	    0);
	ck_assert_ptr_null(ir);
	ck_assert(!sasl_one_step(&s));
	ck_assert_int_eq(step_raw(&s,
	    "<1896.697170952@postoffice.reston.mci.net>", &resp), 0);
	ck_assert_str_eq(resp,
	    "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	sasl_wipe(resp);
	ck_assert_int_eq(step_raw(&s, "<again@example>", &resp), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
}
END_TEST

/* One SCRAM exchange from a fixed nonce: the RFC's messages, raw. */
struct scram_vec {
	const char *mech, *nonce, *first, *server_first, *final,
	    *server_final;
};

static void
scram_run(const struct scram_vec *v)
{
	struct sasl_cred c = { NULL, "user", "pencil", NULL, 0 };
	struct sasl_chan ch = { "SCRAM-SHA-1 SCRAM-SHA-256", true, false,
		false, NULL, { 0 }, 0, v->nonce };
	struct sasl s;
	char *ir, *resp, *want;

	ck_assert_int_eq(sasl_start(&s, v->mech, &c, &ch, &ir, &e), 0);
	want = b64(v->first, strlen(v->first));
	ck_assert_str_eq(ir, want);
	gnutls_free(want);
	sasl_wipe(ir);
	ck_assert(!sasl_one_step(&s));
	ck_assert_int_eq(step_raw(&s, v->server_first, &resp), 0);
	want = b64(v->final, strlen(v->final));
	ck_assert_str_eq(resp, want);
	gnutls_free(want);
	sasl_wipe(resp);
	/* A 235 now would come from a server that proved nothing. */
	ck_assert(!sasl_complete(&s));
	ck_assert_int_eq(step_raw(&s, v->server_final, &resp), 0);
	ck_assert_str_eq(resp, "");
	ck_assert(sasl_complete(&s));
	sasl_wipe(resp);
	sasl_end(&s);
}

static const struct scram_vec rfc5802 = {
	"SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
	"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
	"i=4096",
	"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	"p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const struct scram_vec rfc7677 = {
	"SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
	"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

START_TEST(scram_sha1_rfc5802)
{
	scram_run(&rfc5802);
}
END_TEST

START_TEST(scram_sha256_rfc7677)
{
	scram_run(&rfc7677);
}
END_TEST

/* Runs the RFC 7677 exchange up to the server's final message. */
static void
scram_to_final(struct sasl *s, struct sasl_cred *c, struct sasl_chan *ch)
{
	char *ir, *resp;

	c->user = "user";
	c->pass = "pencil";
	memset(ch, 0, sizeof(*ch));
	ch->offered = "SCRAM-SHA-256";
	ch->tls = true;
	ch->nonce = rfc7677.nonce;
	ck_assert_int_eq(sasl_start(s, "SCRAM-SHA-256", c, ch, &ir, &e), 0);
	sasl_wipe(ir);
	ck_assert_int_eq(step_raw(s, rfc7677.server_first, &resp), 0);
	sasl_wipe(resp);
}

START_TEST(scram_lying_server)
{
	static const char *const lies[] = {
		/* RFC 7677's signature with one character changed */
		"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",
		/* RFC 5802's (SHA-1, so too short) */
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		"v=",
		"v=!!!!",
		"",
		"x=1",
	};

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct sasl_cred c = { NULL, NULL, NULL, NULL, 0 };
		struct sasl_chan ch;
		struct sasl s;
		char *resp = (char *)"untouched";

		scram_to_final(&s, &c, &ch);
		ck_assert_int_eq(step_raw(&s, lies[i], &resp), -1);
		ck_assert_ptr_null(resp);
		ck_assert_int_eq(e.cls, ERR_AUTH);
		ck_assert_ptr_nonnull(strstr(e.msg, "possible impostor"));
		ck_assert(!sasl_complete(&s));
		sasl_end(&s);
	}
}
END_TEST

START_TEST(scram_server_error)
{
	struct sasl_cred c = { NULL, NULL, NULL, NULL, 0 };
	struct sasl_chan ch;
	struct sasl s;
	char *resp;

	scram_to_final(&s, &c, &ch);
	ck_assert_int_eq(step_raw(&s, "e=invalid-proof", &resp), -1);
	ck_assert_int_eq(e.cls, ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(e.msg, "invalid-proof"));
	sasl_end(&s);
}
END_TEST

/* Server-first messages that must each fail cleanly, "%s" standing for
 * the client nonce. */
static const char *const malformed_first[] = {
	"",
	"garbage",
	"r=",
	"r=WRONGNONCE,s=QSXCR+Q6sek8bf92,i=4096",
	"r=rOprNGfwEbeRWgbNEkq,s=QSXCR+Q6sek8bf92,i=4096",	/* shorter */
	"r=%sX,s=!!!!,i=4096",
	"r=%sX,s=,i=4096",
	"r=%sX,i=4096",
	"r=%sX,s=QSXCR+Q6sek8bf92",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=0",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=10000001",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=99999999999999999999999",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=-1",
	"r=%sX,s=QSXCR+Q6sek8bf92,i=4096x",
	"s=QSXCR+Q6sek8bf92,r=%sX,i=4096",
	"m=must-understand,r=%sX,s=QSXCR+Q6sek8bf92,i=4096",
	"r=%sX\x7f,s=QSXCR+Q6sek8bf92,i=4096",
};

/* tmpl with each "%s" replaced by nonce. */
static void
nonce_in(char *out, size_t cap, const char *tmpl, const char *nonce)
{
	size_t n = 0;

	for (const char *p = tmpl; *p != '\0' && n + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 's') {
			n += (size_t)snprintf(out + n, cap - n, "%s", nonce);
			p++;
		} else
			out[n++] = *p;
	}
	out[n < cap ? n : cap - 1] = '\0';
}

START_TEST(scram_malformed_server_first)
{
	const char *nonce = "rOprNGfwEbeRWgbNEkqO";
	struct sasl_cred c = { NULL, "user", "pencil", NULL, 0 };
	struct sasl_chan ch = { "SCRAM-SHA-256", true, false, false, NULL,
		{ 0 }, 0, nonce };
	struct sasl s;
	char msg[256], *ir, *resp;

	nonce_in(msg, sizeof(msg), malformed_first[_i], nonce);
	ck_assert_int_eq(sasl_start(&s, "SCRAM-SHA-256", &c, &ch, &ir, &e),
	    0);
	sasl_wipe(ir);
	resp = (char *)"untouched";
	ck_assert_int_eq(step_raw(&s, msg, &resp), -1);
	ck_assert_ptr_null(resp);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.msg, "SCRAM"));
	sasl_end(&s);
}
END_TEST

START_TEST(scram_bad_base64_and_nul)
{
	struct sasl_cred c = { NULL, "user", "pencil", NULL, 0 };
	struct sasl_chan ch = { "SCRAM-SHA-1", true, false, false, NULL,
		{ 0 }, 0, "abc" };
	/* "r=abcX,s=QQ==\0,i=1" */
	static const char nul[] = "r=abcX,s=QQ==\0,i=1";
	struct sasl s;
	char *ir, *resp, *ch64;

	ck_assert_int_eq(sasl_start(&s, "SCRAM-SHA-1", &c, &ch, &ir, &e), 0);
	sasl_wipe(ir);
	ck_assert_int_eq(sasl_step(&s, "cj1hYmNY=,,", 11, &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	sasl_end(&s);
	ck_assert_int_eq(sasl_start(&s, "SCRAM-SHA-1", &c, &ch, &ir, &e), 0);
	sasl_wipe(ir);
	ch64 = b64(nul, sizeof(nul) - 1);
	ck_assert_int_eq(sasl_step(&s, ch64, strlen(ch64), &resp, &e), -1);
	ck_assert_int_eq(e.cls, ERR_PROTOCOL);
	gnutls_free(ch64);
	sasl_end(&s);
}
END_TEST

/* The client-first message's gs2 header for mech over ch. */
static void
gs2_expect(const char *mech, const struct sasl_chan *ch, const char *want)
{
	struct sasl_cred c = { NULL, "u,=", "p", NULL, 0 };
	struct sasl s;
	char *ir, *exp, first[128];

	snprintf(first, sizeof(first), "%sn=u=2C=3D,r=%s", want, ch->nonce);
	ck_assert_int_eq(sasl_start(&s, mech, &c, ch, &ir, &e), 0);
	exp = b64(first, strlen(first));
	ck_assert_str_eq(ir, exp);
	gnutls_free(exp);
	sasl_wipe(ir);
	sasl_end(&s);
}

START_TEST(scram_gs2_flags)
{
	struct sasl_chan ch = { "SCRAM-SHA-256", true, false, false,
		"tls-exporter", { 1, 2, 3 }, 32, "N" };

	/* We could bind; the server (after TLS) offers no -PLUS: "y", so
	 * that a server which can bind detects the downgrade. */
	gs2_expect("SCRAM-SHA-256", &ch, "y,,");
	ch.offered = "SCRAM-SHA-256 SCRAM-SHA-256-PLUS";
	gs2_expect("SCRAM-SHA-256", &ch, "n,,");
	gs2_expect("SCRAM-SHA-256-PLUS", &ch, "p=tls-exporter,,");
	ch.cb_type = "tls-unique";
	gs2_expect("SCRAM-SHA-1-PLUS", &ch, "p=tls-unique,,");
	ch.cb_type = NULL;
	ch.offered = "SCRAM-SHA-256";
	gs2_expect("SCRAM-SHA-256", &ch, "n,,");
	ck_assert_int_eq(sasl_start(&(struct sasl){ 0 }, "SCRAM-SHA-256-PLUS",
	    &(struct sasl_cred){ NULL, "u", "p", NULL, 0 }, &ch,
	    &(char *){ NULL }, &e), -1);
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
}
END_TEST

/* RFC 5802 section 6: c= is base64(gs2-header || channel binding data). */
START_TEST(scram_plus_binding_data)
{
	static const unsigned char cb[32] = { 0xde, 0xad, 0xbe, 0xef, 0, 1 };
	struct sasl_cred c = { NULL, "user", "pencil", NULL, 0 };
	struct sasl_chan ch = { "SCRAM-SHA-256-PLUS", true, false, false,
		"tls-exporter", { 0 }, sizeof(cb), "rOprNGfwEbeRWgbNEkqO" };
	unsigned char raw[64];
	struct sasl s;
	char *ir, *resp, *want_c, want[128];
	gnutls_datum_t in, dec;
	size_t hl = strlen("p=tls-exporter,,");

	memcpy(ch.cb_data, cb, sizeof(cb));
	memcpy(raw, "p=tls-exporter,,", hl);
	memcpy(raw + hl, cb, sizeof(cb));
	want_c = b64((const char *)raw, hl + sizeof(cb));
	snprintf(want, sizeof(want), "c=%s,r=%s", want_c,
	    "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	ck_assert_int_eq(sasl_start(&s, "SCRAM-SHA-256-PLUS", &c, &ch, &ir,
	    &e), 0);
	sasl_wipe(ir);
	ck_assert_int_eq(step_raw(&s, rfc7677.server_first, &resp), 0);
	in.data = (unsigned char *)resp;
	in.size = (unsigned)strlen(resp);
	ck_assert_int_ge(gnutls_base64_decode2(&in, &dec), 0);
	ck_assert_int_gt(dec.size, strlen(want));
	ck_assert(memcmp(dec.data, want, strlen(want)) == 0);
	ck_assert(memcmp(dec.data + strlen(want), ",p=", 3) == 0);
	gnutls_free(dec.data);
	gnutls_free(want_c);
	sasl_wipe(resp);
	sasl_end(&s);
}
END_TEST

START_TEST(xoauth2_google)
{
	struct sasl_cred c = { NULL, "someuser@example.com",
		"ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", NULL, 0 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "XOAUTH2", &c, &tls_chan, &ir, &e), 0);
	ck_assert_str_eq(ir, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYX"
	    "JlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0"
	    "Q2cBAQ==");
	/* A 334 may come back: never pipelined. */
	ck_assert(!sasl_one_step(&s));
	sasl_wipe(ir);
	ck_assert_int_eq(step_raw(&s, "{\"status\":\"401\",\"schemes\":"
	    "\"Bearer\",\"scope\":\"https://mail.google.com/\"}", &resp), 0);
	ck_assert_str_eq(resp, "");
	ck_assert_str_eq(s.note, "401");
	sasl_wipe(resp);
	ck_assert_int_eq(step_raw(&s, "{}", &resp), -1);
}
END_TEST

START_TEST(oauthbearer_rfc7628)
{
	/* RFC 7628 section 4.1 and 4.3 */
	struct sasl_cred c = { NULL, "user@example.com",
		"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
		"server.example.com", 143 };
	struct sasl s;
	char *ir, *resp;

	ck_assert_int_eq(sasl_start(&s, "OAUTHBEARER", &c, &tls_chan, &ir,
	    &e), 0);
	ck_assert_str_eq(ir, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLm"
	    "V4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52"
	    "YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	ck_assert(!sasl_one_step(&s));
	sasl_wipe(ir);
	ck_assert_int_eq(sasl_step(&s, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwi"
	    "c2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJo"
	    "dHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0"
	    "aW9uIn0=", 168, &resp, &e), 0);
	/* the dummy response that ends the exchange: a single ^A */
	ck_assert_str_eq(resp, "AQ==");
	ck_assert_str_eq(s.note, "invalid_token");
	sasl_wipe(resp);
}
END_TEST

START_TEST(oauth_token_with_separator)
{
	struct sasl_cred c = { NULL, "u", "tok\001en", NULL, 0 };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "XOAUTH2", &c, &tls_chan, &ir, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_ptr_null(ir);
}
END_TEST

START_TEST(external_authzid)
{
	struct sasl_cred c = { NULL, NULL, NULL, NULL, 0 };
	struct sasl s;
	char *ir;

	ck_assert_int_eq(sasl_start(&s, "EXTERNAL", &c, &tls_chan, &ir, &e),
	    0);
	ck_assert_str_eq(ir, "=");
	ck_assert(sasl_one_step(&s));
	sasl_wipe(ir);
	c.user = "alice";
	ck_assert_int_eq(sasl_start(&s, "EXTERNAL", &c, &tls_chan, &ir, &e),
	    0);
	ck_assert_str_eq(ir, "YWxpY2U=");
	sasl_wipe(ir);
}
END_TEST

/* ---- choice ---- */

static const char *
choose(const char *offered, const char *wanted, bool tls, bool cb,
    bool cert)
{
	struct sasl_cred c = { NULL, "u", "p", NULL, 0 };
	struct sasl_chan ch = { offered, tls, false, cert,
		cb ? "tls-exporter" : NULL, { 0 }, cb ? 32 : 0, NULL };

	return sasl_choose(&c, &ch, wanted, &e);
}

START_TEST(choose_auto_order)
{
	const char *all = "LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 "
	    "SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS XOAUTH2 EXTERNAL";

	ck_assert_str_eq(choose(all, NULL, true, true, true), "EXTERNAL");
	ck_assert_str_eq(choose(all, "on", true, true, false),
	    "SCRAM-SHA-256-PLUS");
	ck_assert_str_eq(choose("SCRAM-SHA-1-PLUS SCRAM-SHA-256", NULL, true,
	    true, false), "SCRAM-SHA-1-PLUS");
	ck_assert_str_eq(choose(all, NULL, true, false, false),
	    "SCRAM-SHA-256");
	ck_assert_str_eq(choose("PLAIN SCRAM-SHA-1", NULL, true, false, false),
	    "SCRAM-SHA-1");
	ck_assert_str_eq(choose("LOGIN PLAIN CRAM-MD5", NULL, true, false,
	    false), "PLAIN");
	ck_assert_str_eq(choose("CRAM-MD5 LOGIN", NULL, true, false, false),
	    "LOGIN");
	ck_assert_str_eq(choose("CRAM-MD5", NULL, true, false, false),
	    "CRAM-MD5");
	ck_assert_str_eq(choose("login", "on", true, false, false), "LOGIN");
}
END_TEST

START_TEST(choose_oauth_only_by_name)
{
	ck_assert_str_eq(choose("XOAUTH2 PLAIN", NULL, true, false, false),
	    "PLAIN");
	ck_assert_ptr_null(choose("XOAUTH2 OAUTHBEARER", NULL, true, false,
	    false));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(e.hint, "--auth=xoauth2"));
	ck_assert_str_eq(choose("XOAUTH2 OAUTHBEARER", "oauthbearer", true,
	    false, false), "OAUTHBEARER");
	ck_assert_str_eq(choose("XOAUTH2", "xoauth2", true, false, false),
	    "XOAUTH2");
}
END_TEST

START_TEST(choose_without_tls)
{
	struct sasl_cred c = { NULL, "u", "p", NULL, 0 };
	struct sasl_chan ch = { "PLAIN LOGIN", false, false, false, NULL,
		{ 0 }, 0, NULL };

	/* Nothing that exposes the password crosses plaintext unasked. */
	ck_assert_ptr_null(sasl_choose(&c, &ch, NULL, &e));
	ck_assert_ptr_null(sasl_choose(&c, &ch, "plain", &e));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ch.offered = "PLAIN SCRAM-SHA-256 XOAUTH2";
	ck_assert_str_eq(sasl_choose(&c, &ch, NULL, &e), "SCRAM-SHA-256");
	ck_assert_ptr_null(sasl_choose(&c, &ch, "xoauth2", &e));
	ch.allow_clear = true;
	ck_assert_str_eq(sasl_choose(&c, &ch, "plain", &e), "PLAIN");
}
END_TEST

START_TEST(choose_none_in_common)
{
	ck_assert_ptr_null(choose("GSSAPI NTLM", NULL, true, false, false));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(e.msg, "GSSAPI NTLM"));
	/* -PLUS without binding data, EXTERNAL without a certificate */
	ck_assert_ptr_null(choose("SCRAM-SHA-256-PLUS EXTERNAL", NULL, true,
	    false, false));
}
END_TEST

START_TEST(choose_explicit)
{
	ck_assert_str_eq(choose("PLAIN LOGIN", "login", true, false, false),
	    "LOGIN");
	ck_assert_str_eq(choose("PLAIN CRAM-MD5", "cram-md5", true, false,
	    false), "CRAM-MD5");
	ck_assert_ptr_null(choose("PLAIN", "LOGIN", true, false, false));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_null(choose("PLAIN", "NTLM", true, false, false));
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_ptr_null(choose("SCRAM-SHA-256-PLUS", "scram-sha-256-plus",
	    true, false, false));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(e.msg, "channel binding"));
	ck_assert_ptr_null(choose("EXTERNAL", "external", true, false, false));
	ck_assert_int_eq(e.cls, ERR_UNAVAILABLE);
	/* a prefix of an offered name is not that name */
	ck_assert_ptr_null(choose("PLAINX LOGINY", NULL, true, false, false));
}
END_TEST

START_TEST(choose_without_password)
{
	struct sasl_cred c = { NULL, NULL, NULL, NULL, 0 };
	struct sasl_chan ch = { "SCRAM-SHA-256 PLAIN EXTERNAL", true, false,
		true, NULL, { 0 }, 0, NULL };

	ck_assert_str_eq(sasl_choose(&c, &ch, NULL, &e), "EXTERNAL");
	ch.client_cert = false;
	ck_assert_ptr_null(sasl_choose(&c, &ch, NULL, &e));
	ck_assert_ptr_null(sasl_choose(&c, &ch, "plain", &e));
}
END_TEST

/* ---- SASLprep ---- */

static void
prep_ok(const char *in, const char *want)
{
	char *out;

	ck_assert_int_eq(sasl_prep(in, &out, &e), 0);
	ck_assert_str_eq(out, want);
	sasl_wipe(out);
}

static void
prep_refused(const char *in)
{
	char *out = (char *)"untouched";

	ck_assert_int_eq(sasl_prep(in, &out, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_ptr_null(out);
}

START_TEST(saslprep_rfc4013_examples)
{
	/* RFC 4013 section 3, the examples the subset covers */
	prep_ok("I\xc2\xadX", "IX");		/* SOFT HYPHEN mapped out */
	prep_ok("user", "user");
	prep_ok("USER", "USER");
	prep_refused("\x07");			/* prohibited control */
	prep_refused("a\x7f");
}
END_TEST

START_TEST(saslprep_subset)
{
	prep_ok("pencil", "pencil");
	prep_ok("p a s s", "p a s s");
	prep_ok("a\xc2\xa0" "b", "a b");	/* NO-BREAK SPACE -> space */
	prep_ok("\xe2\x80\x8bpass\xef\xbb\xbf", "pass"); /* B.1 */
	prep_ok("cafe\xcc\x81", "caf\xc3\xa9");	/* NFC */
	prep_refused("\xff\xfe");		/* not UTF-8 */
	prep_refused("caf\xc3");		/* truncated */
	prep_refused("\xc3\xa9\x01");		/* control, non-ASCII path */
	/* The documented limit: NFC, not NFKC, so U+00AA stays (SASLprep
	 * would give "a"). */
	prep_ok("\xc2\xaa", "\xc2\xaa");
}
END_TEST

/* ---- channel binding from tls.c ---- */

struct cb_server {
	int	 fd;
	const char *prio;
	gnutls_certificate_credentials_t cred;
	unsigned char cb[64];
	size_t	 cb_len;
	unsigned char prf[32];
	int	 version;
	int	 rc;
};

static void *
cb_server_run(void *arg)
{
	struct cb_server *sv = arg;
	gnutls_session_t s;
	gnutls_datum_t d = { NULL, 0 };
	int ret;

	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_priority_set_direct(s, sv->prio, NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, sv->cred);
	gnutls_transport_set_int(s, sv->fd);
	do
		ret = gnutls_handshake(s);
	while (ret < 0 && !gnutls_error_is_fatal(ret));
	sv->rc = ret;
	sv->version = gnutls_protocol_get_version(s);
	if (ret == 0 && gnutls_session_channel_binding(s,
	    sv->version == GNUTLS_TLS1_3 ? GNUTLS_CB_TLS_EXPORTER :
	    GNUTLS_CB_TLS_UNIQUE, &d) == 0 && d.size <= sizeof(sv->cb)) {
		memcpy(sv->cb, d.data, d.size);
		sv->cb_len = d.size;
	}
	gnutls_free(d.data);
	/* RFC 9266 section 2: the exporter with this label, no context,
	 * 32 octets. */
	if (ret == 0 && sv->version == GNUTLS_TLS1_3)
		sv->rc = gnutls_prf_rfc5705(s, 24, "EXPORTER-Channel-Binding",
		    0, NULL, sizeof(sv->prf), (char *)sv->prf);
	gnutls_deinit(s);
	close(sv->fd);
	return NULL;
}

/* A throw-away self-signed server certificate. */
static gnutls_certificate_credentials_t
cb_server_cred(void)
{
	gnutls_certificate_credentials_t cred;
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	unsigned char serial = 1;

	ck_assert_int_ge(gnutls_x509_privkey_init(&key), 0);
	ck_assert_int_ge(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	ck_assert_int_ge(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, &serial, 1);
	gnutls_x509_crt_set_activation_time(crt, time(NULL) - 60);
	gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 3600);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    "localhost", 9);
	gnutls_x509_crt_set_key(crt, key);
	ck_assert_int_ge(gnutls_x509_crt_sign2(crt, crt, key,
	    GNUTLS_DIG_SHA256, 0), 0);
	ck_assert_int_ge(gnutls_certificate_allocate_credentials(&cred), 0);
	ck_assert_int_ge(gnutls_certificate_set_x509_key(cred, &crt, 1, key),
	    0);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return cred;
}

/* Handshakes tls.c's client with a server of priority prio; the client's
 * binding goes to type/buf/len, the server's facts to sv. */
static void
cb_session(const char *prio, struct cb_server *sv, const char **type,
    unsigned char *buf, size_t *len)
{
	struct tls_conf conf;
	struct tls_facts facts;
	struct tls_ctx *ctx;
	struct tls_conn *c;
	pthread_t th;
	int sp[2], ret;

	memset(sv, 0, sizeof(*sv));
	memset(&facts, 0, sizeof(facts));
	memset(&conf, 0, sizeof(conf));
	conf.no_verify = true;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	sv->fd = sp[1];
	sv->prio = prio;
	sv->cred = cb_server_cred();
	ck_assert_int_eq(tls_ctx_new(&ctx, &conf, &e), 0);
	ck_assert_int_eq(tls_conn_new(&c, ctx, sp[0], "localhost", &facts,
	    &e), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, cb_server_run, sv), 0);
	while ((ret = tls_handshake(c, &e)) == TLS_WANT_READ ||
	    ret == TLS_WANT_WRITE)
		;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(tls_channel_binding(c, type, buf, len), *type ? 0 :
	    -1);
	ck_assert(!tls_client_cert_sent(c));
	pthread_join(th, NULL);
	ck_assert_int_eq(sv->rc, 0);
	tls_conn_free(c);
	tls_ctx_free(ctx);
	tls_facts_free(&facts);
	gnutls_certificate_free_credentials(sv->cred);
	close(sp[0]);
}

START_TEST(cb_tls_exporter_rfc9266)
{
	struct cb_server sv;
	unsigned char buf[SASL_CB_MAX];
	size_t len = sizeof(buf);
	const char *type;

	cb_session("NORMAL:-VERS-ALL:+VERS-TLS1.3", &sv, &type, buf, &len);
	ck_assert_str_eq(type, "tls-exporter");
	ck_assert_uint_eq(len, 32);
	ck_assert_uint_eq(sv.cb_len, 32);
	ck_assert(memcmp(buf, sv.cb, 32) == 0);
	ck_assert(memcmp(buf, sv.prf, 32) == 0);
}
END_TEST

START_TEST(cb_tls_unique)
{
	struct cb_server sv;
	unsigned char buf[SASL_CB_MAX];
	size_t len = sizeof(buf);
	const char *type;

	cb_session("NORMAL:-VERS-ALL:+VERS-TLS1.2", &sv, &type, buf, &len);
	ck_assert_str_eq(type, "tls-unique");
	ck_assert_uint_eq(len, 12);	/* the Finished message's verify_data */
	ck_assert_uint_eq(sv.cb_len, 12);
	ck_assert(memcmp(buf, sv.cb, 12) == 0);
}
END_TEST

START_TEST(cb_tls12_without_ems)
{
	struct cb_server sv;
	unsigned char buf[SASL_CB_MAX];
	size_t len = sizeof(buf);
	const char *type = "unset";

	/* Without the extended master secret, tls-unique can be made equal
	 * on two connections: no binding is offered. */
	cb_session("NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH", &sv,
	    &type, buf, &len);
	ck_assert_ptr_null(type);
}
END_TEST

static Suite *
sasl_suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *mech = tcase_create("mechanisms"), *ch = tcase_create("choice");
	TCase *bad = tcase_create("malformed"), *prep = tcase_create("saslprep");
	TCase *cb = tcase_create("channel binding");

	tcase_add_test(mech, plain_rfc4616);
	tcase_add_test(mech, plain_rfc4954);
	tcase_add_test(mech, plain_second_challenge_refused);
	tcase_add_test(mech, login_exchange);
	tcase_add_test(mech, cram_md5_rfc2195);
	tcase_add_test(mech, scram_sha1_rfc5802);
	tcase_add_test(mech, scram_sha256_rfc7677);
	tcase_add_test(mech, scram_gs2_flags);
	tcase_add_test(mech, scram_plus_binding_data);
	tcase_add_test(mech, xoauth2_google);
	tcase_add_test(mech, oauthbearer_rfc7628);
	tcase_add_test(mech, external_authzid);
	tcase_add_test(bad, bad_base64_challenge);
	tcase_add_test(bad, scram_lying_server);
	tcase_add_test(bad, scram_server_error);
	tcase_add_loop_test(bad, scram_malformed_server_first, 0,
	    (int)(sizeof(malformed_first) / sizeof(malformed_first[0])));
	tcase_add_test(bad, scram_bad_base64_and_nul);
	tcase_add_test(bad, oauth_token_with_separator);
	tcase_add_test(ch, choose_auto_order);
	tcase_add_test(ch, choose_oauth_only_by_name);
	tcase_add_test(ch, choose_without_tls);
	tcase_add_test(ch, choose_none_in_common);
	tcase_add_test(ch, choose_explicit);
	tcase_add_test(ch, choose_without_password);
	tcase_add_test(prep, saslprep_rfc4013_examples);
	tcase_add_test(prep, saslprep_subset);
	tcase_add_test(cb, cb_tls_exporter_rfc9266);
	tcase_add_test(cb, cb_tls_unique);
	tcase_add_test(cb, cb_tls12_without_ems);
	tcase_set_timeout(cb, 30);
	suite_add_tcase(s, mech);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, ch);
	suite_add_tcase(s, prep);
	suite_add_tcase(s, cb);
	return s;
}

int
main(void)
{
	return ck_run(sasl_suite());
}
