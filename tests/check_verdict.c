/* The probe verdict: each finding alone on an otherwise good outcome, its
 * level and code; unreachable ports; the monitoring exit status. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "verdict.h"
#include "ckrun.h"

#define NOW	((time_t)1800000000)
#define DAY	86400

static struct cert_facts good_cert = {
	.subject = "CN=mail.example.org",
	.issuer = "CN=Example CA",
	.sans = "DNS:mail.example.org",
	.serial = "01",
	.sig_alg = "ECDSA-SHA256",
	.not_before = NOW - 30 * DAY,
	.not_after = NOW + 60 * DAY,
	.key_type = "ECDSA SECP256R1",
	.key_bits = 256,
};

/* A STARTTLS session with nothing to say against it. */
static void
good_outcome(struct outcome *o, struct cert_facts *chain, size_t n)
{
	memset(o, 0, sizeof(*o));
	o->server = "mail.example.org";
	o->port = 587;
	o->greeting = "mail.example.org ESMTP";
	o->starttls_offered = true;
	o->starttls_code = 220;
	o->tls.active = true;
	o->tls.verified = true;
	o->tls.verify_reason = "";
	o->tls.chain = chain;
	o->tls.nchain = n;
	o->tls.chain_complete = true;
	o->tls.chain_in_order = true;
	o->tls_versions[0] = OUTCOME_VER_REFUSED;
	o->tls_versions[1] = OUTCOME_VER_REFUSED;
	o->tls_versions[2] = OUTCOME_VER_ACCEPTED;
	o->tls_versions[3] = OUTCOME_VER_ACCEPTED;
}

static struct verdict
judge(const struct outcome *o, size_t n, int warn_days)
{
	struct verdict_conf vc = { warn_days, NOW };
	struct verdict v;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(verdict_judge(&v, o, n, &vc, &e), 0);
	return v;
}

/* The verdict has exactly one reason, this one. */
static void
expect_one(const struct outcome *o, enum verdict_level level,
    enum verdict_code code, const char *text_part)
{
	struct verdict v = judge(o, 1, 14);

	ck_assert_int_eq(v.level, level);
	ck_assert(v.probed);
	ck_assert_uint_eq(v.nreasons, 1);
	ck_assert_int_eq(v.reasons[0].code, code);
	ck_assert_int_eq(v.reasons[0].level, level);
	ck_assert_uint_eq(v.reasons[0].port, 587);
	ck_assert_msg(strstr(v.reasons[0].text, text_part) != NULL,
	    "\"%s\" not in \"%s\"", text_part, v.reasons[0].text);
	verdict_free(&v);
}

START_TEST(all_good_is_ok)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	good_outcome(&o, &c, 1);
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	ck_assert(v.probed);
	ck_assert_uint_eq(v.nreasons, 0);
	ck_assert_int_eq(exitcode_probe(&v), 0);
	verdict_free(&v);
}
END_TEST

START_TEST(expiring)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	c.not_after = NOW + 5 * DAY + 3600;
	good_outcome(&o, &c, 1);
	expect_one(&o, VERDICT_WARN, VERDICT_CERT_EXPIRING,
	    "expires in 5 days (fewer than 14)");
	/* the threshold is the caller's */
	v = judge(&o, 1, 5);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
	v = judge(&o, 1, 6);
	ck_assert_int_eq(v.level, VERDICT_WARN);
	ck_assert_int_eq(exitcode_probe(&v), 1);
	verdict_free(&v);
}
END_TEST

START_TEST(expired_and_not_yet)
{
	struct cert_facts c = good_cert;
	struct outcome o;

	c.not_after = NOW - 1;
	good_outcome(&o, &c, 1);
	expect_one(&o, VERDICT_FAIL, VERDICT_CERT_EXPIRED, "has expired");
	c = good_cert;
	c.not_before = NOW + DAY;
	good_outcome(&o, &c, 1);
	expect_one(&o, VERDICT_FAIL, VERDICT_CERT_NOT_YET_VALID,
	    "not valid yet");
}
END_TEST

START_TEST(intermediate_expiry_counts)
{
	struct cert_facts chain[2] = { good_cert, good_cert };
	struct outcome o;

	chain[1].subject = "CN=Example CA";
	chain[1].issuer = "CN=Root";
	chain[1].not_after = NOW + 2 * DAY;
	good_outcome(&o, chain, 2);
	expect_one(&o, VERDICT_WARN, VERDICT_CERT_EXPIRING,
	    "certificate 1 (CN=Example CA) expires in 2 days");
}
END_TEST

START_TEST(old_tls_versions)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	good_outcome(&o, &c, 1);
	o.tls_versions[0] = OUTCOME_VER_ACCEPTED;
	expect_one(&o, VERDICT_WARN, VERDICT_OLD_TLS, "TLS1.0 is accepted");
	o.tls_versions[1] = OUTCOME_VER_ACCEPTED;
	v = judge(&o, 1, 14);
	ck_assert_uint_eq(v.nreasons, 2);
	ck_assert(strstr(v.reasons[1].text, "TLS1.1") != NULL);
	verdict_free(&v);
	/* unknown is not accepted */
	o.tls_versions[0] = o.tls_versions[1] = OUTCOME_VER_UNKNOWN;
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
}
END_TEST

START_TEST(auth_in_clear)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	good_outcome(&o, &c, 1);
	o.auth_in_clear = true;
	expect_one(&o, VERDICT_WARN, VERDICT_AUTH_IN_CLEAR, "before TLS");
	/* implicit TLS has no "before TLS" */
	o.implicit_tls = true;
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
}
END_TEST

START_TEST(no_starttls)
{
	struct outcome o;

	good_outcome(&o, NULL, 0);
	o.starttls_offered = false;
	o.starttls_code = 0;
	o.tls.active = false;
	expect_one(&o, VERDICT_FAIL, VERDICT_NO_STARTTLS, "not offered");
}
END_TEST

START_TEST(starttls_refused)
{
	struct outcome o;

	good_outcome(&o, NULL, 0);
	o.starttls_code = 454;
	o.tls.active = false;
	expect_one(&o, VERDICT_FAIL, VERDICT_STARTTLS_REFUSED, "454");
}
END_TEST

START_TEST(verification_failed)
{
	struct cert_facts c = good_cert;
	struct outcome o;

	good_outcome(&o, &c, 1);
	o.tls.verified = false;
	o.tls.verify_reason = "The certificate is NOT trusted.";
	expect_one(&o, VERDICT_FAIL, VERDICT_VERIFY_FAILED, "NOT trusted");
	o.tls.pinned = true;
	expect_one(&o, VERDICT_FAIL, VERDICT_VERIFY_FAILED, "pinned");
}
END_TEST

START_TEST(weak_keys)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	strcpy(c.key_type, "RSA");
	c.key_bits = 1024;
	good_outcome(&o, &c, 1);
	expect_one(&o, VERDICT_FAIL, VERDICT_WEAK_KEY, "RSA 1024 bits");
	c.key_bits = 2048;
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
	strcpy(c.key_type, "ECDSA SECP192R1");
	c.key_bits = 192;
	expect_one(&o, VERDICT_FAIL, VERDICT_WEAK_KEY, "192");
}
END_TEST

START_TEST(weak_signatures)
{
	struct cert_facts chain[2] = { good_cert, good_cert };
	struct outcome o;
	struct verdict v;

	chain[0].sig_alg = "RSA-SHA1";
	good_outcome(&o, chain, 1);
	expect_one(&o, VERDICT_FAIL, VERDICT_WEAK_SIGNATURE, "RSA-SHA1");
	chain[0].sig_alg = "RSA-MD5";
	expect_one(&o, VERDICT_FAIL, VERDICT_WEAK_SIGNATURE, "RSA-MD5");
	/* a self-signed root's own signature does not matter */
	chain[0].sig_alg = "ECDSA-SHA256";
	chain[1].subject = chain[1].issuer = "CN=Root";
	chain[1].sig_alg = "RSA-SHA1";
	good_outcome(&o, chain, 2);
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
}
END_TEST

START_TEST(chain_shape)
{
	struct cert_facts c = good_cert;
	struct outcome o;

	good_outcome(&o, &c, 1);
	o.tls.chain_complete = false;
	expect_one(&o, VERDICT_WARN, VERDICT_CHAIN_INCOMPLETE,
	    "does not lead to a trust anchor");
	good_outcome(&o, &c, 1);
	o.tls.chain_in_order = false;
	expect_one(&o, VERDICT_WARN, VERDICT_CHAIN_ORDER, "not in order");
}
END_TEST

START_TEST(ocsp)
{
	struct cert_facts c = good_cert;
	struct outcome o;
	struct verdict v;

	good_outcome(&o, &c, 1);
	o.tls.ocsp = OUTCOME_OCSP_REVOKED;
	expect_one(&o, VERDICT_FAIL, VERDICT_OCSP_REVOKED, "revoked");
	o.tls.ocsp = OUTCOME_OCSP_INVALID;
	expect_one(&o, VERDICT_WARN, VERDICT_OCSP_INVALID, "invalid");
	o.tls.ocsp = OUTCOME_OCSP_UNKNOWN;
	expect_one(&o, VERDICT_WARN, VERDICT_OCSP_INVALID, "unknown");
	o.tls.ocsp = OUTCOME_OCSP_GOOD;
	v = judge(&o, 1, 14);
	ck_assert_int_eq(v.level, VERDICT_OK);
	verdict_free(&v);
}
END_TEST

START_TEST(session_failed)
{
	struct outcome o;

	good_outcome(&o, NULL, 0);
	o.tls.active = false;
	err_set(&o.err, ERR_SECURITY, STEP_TLS, "server offers only TLS "
	    "versions below the minimum");
	expect_one(&o, VERDICT_FAIL, VERDICT_SESSION_FAILED,
	    "TLS: server offers only");
}
END_TEST

START_TEST(unreachable_ports_weigh_nothing)
{
	struct cert_facts c = good_cert;
	struct outcome o[3];
	struct verdict v;

	memset(o, 0, sizeof(o));
	o[0].port = 587;
	err_set(&o[0].err, ERR_TEMP, STEP_CONNECT, "connection refused");
	good_outcome(&o[1], &c, 1);
	o[1].port = 465;
	o[2].port = 25;
	err_set(&o[2].err, ERR_TEMP, STEP_CONNECT, "timed out");
	ck_assert(!verdict_reached(&o[0]));
	ck_assert(verdict_reached(&o[1]));
	v = judge(o, 3, 14);
	ck_assert(v.probed);
	ck_assert_int_eq(v.level, VERDICT_OK);
	ck_assert_uint_eq(v.nreasons, 2);
	ck_assert_int_eq(v.reasons[0].code, VERDICT_UNREACHABLE);
	ck_assert_int_eq(v.reasons[0].level, VERDICT_OK);
	ck_assert_uint_eq(v.reasons[1].port, 25);
	ck_assert_int_eq(exitcode_probe(&v), 0);
	verdict_free(&v);
	/* nothing answered: could not probe */
	v = judge(o, 1, 14);
	ck_assert(!v.probed);
	ck_assert_int_eq(exitcode_probe(&v), 3);
	verdict_free(&v);
	ck_assert_int_eq(exitcode_probe(NULL), 3);
}
END_TEST

START_TEST(worst_level_wins)
{
	struct cert_facts c = good_cert;
	struct outcome o[2];
	struct verdict v;

	good_outcome(&o[0], &c, 1);
	o[0].auth_in_clear = true;
	good_outcome(&o[1], &c, 1);
	o[1].port = 25;
	o[1].starttls_offered = false;
	o[1].starttls_code = 0;
	o[1].tls.active = false;
	o[1].tls.nchain = 0;
	v = judge(o, 2, 14);
	ck_assert_int_eq(v.level, VERDICT_FAIL);
	ck_assert_uint_eq(v.nreasons, 2);
	ck_assert_int_eq(v.reasons[0].level, VERDICT_WARN);
	ck_assert_int_eq(v.reasons[1].level, VERDICT_FAIL);
	ck_assert_int_eq(exitcode_probe(&v), 2);
	verdict_free(&v);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(verdict_level_name(VERDICT_OK), "ok");
	ck_assert_str_eq(verdict_level_name(VERDICT_WARN), "warn");
	ck_assert_str_eq(verdict_level_name(VERDICT_FAIL), "fail");
	ck_assert_str_eq(verdict_code_name(VERDICT_CERT_EXPIRING),
	    "cert-expiring");
	ck_assert_str_eq(verdict_code_name(VERDICT_OCSP_INVALID),
	    "ocsp-invalid");
	for (int c = VERDICT_UNREACHABLE; c <= VERDICT_OCSP_INVALID; c++)
		ck_assert_str_ne(verdict_code_name((enum verdict_code)c), "?");
}
END_TEST

static Suite *
verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("findings");
	TCase *agg = tcase_create("aggregate");

	tcase_add_test(tc, all_good_is_ok);
	tcase_add_test(tc, expiring);
	tcase_add_test(tc, expired_and_not_yet);
	tcase_add_test(tc, intermediate_expiry_counts);
	tcase_add_test(tc, old_tls_versions);
	tcase_add_test(tc, auth_in_clear);
	tcase_add_test(tc, no_starttls);
	tcase_add_test(tc, starttls_refused);
	tcase_add_test(tc, verification_failed);
	tcase_add_test(tc, weak_keys);
	tcase_add_test(tc, weak_signatures);
	tcase_add_test(tc, chain_shape);
	tcase_add_test(tc, ocsp);
	tcase_add_test(tc, session_failed);
	tcase_add_test(agg, unreachable_ports_weigh_nothing);
	tcase_add_test(agg, worst_level_wins);
	tcase_add_test(agg, names);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, agg);
	return s;
}

int
main(void)
{
	return ck_run(verdict_suite());
}
