/*
 * check_tls: the TLS client against an in-process GnuTLS server.
 *
 * A test PKI is made at start with GnuTLS's X.509 API (ECDSA P-256, fast):
 * a root CA (the only certificate in the CA file), an intermediate, and
 * leaves under it for "localhost" + 127.0.0.1, "wrong.example", an expired
 * one, two that tempt a careless IP check (CN "127.0.0.1" without SANs;
 * dNSName "127.0.0.1"), and a self-signed one.  Each test runs a server
 * thread on one end of a socketpair and drives tls_handshake on the other,
 * non-blocking end with its own poll loop, as io will.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "err.h"
#include "outcome.h"
#include "tls.h"
#include "ckrun.h"

#define DAY 86400

/* The test PKI. */
static struct {
	time_t now;
	gnutls_x509_privkey_t ca_key, inter_key, leaf_key;
	gnutls_x509_crt_t ca, inter, good, wrong, nul, expired, self;
	gnutls_x509_crt_t cn_ip, dns_ip;
	char cafile[64];
	char junkfile[64];
} pki;

static unsigned long serial_next = 1;

static void
ok_gnutls(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", what, gnutls_strerror(ret));
		abort();
	}
}

static gnutls_x509_privkey_t
make_key(void)
{
	gnutls_x509_privkey_t k;

	ok_gnutls(gnutls_x509_privkey_init(&k), "privkey_init");
	ok_gnutls(gnutls_x509_privkey_generate(
		      k, GNUTLS_PK_ECDSA,
		      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
		  "generate");
	return k;
}

struct cert_spec {
	const char *cn;
	const char *dns;	 /* dNSName SAN or NULL */
	const unsigned char *ip; /* 4-byte iPAddress SAN or NULL */
	time_t from, to;
	bool ca;
	gnutls_x509_privkey_t key; /* the subject's key */
	gnutls_x509_crt_t issuer;  /* NULL: self-signed */
	gnutls_x509_privkey_t issuer_key;
	bool more_sans; /* add email, URI and IPv6 SANs */
	bool nul_san;	/* dNSName "localhost\0.wrong..." */
};

/* A certificate built field by field keeps stale cached DNs, so that
 * GnuTLS's issuer checks (and so the server's chain sorting) go wrong;
 * exporting and importing it gives what a server would load from disk. */
static gnutls_x509_crt_t
reimport(gnutls_x509_crt_t built)
{
	gnutls_x509_crt_t c;
	gnutls_datum_t der;

	ok_gnutls(gnutls_x509_crt_export2(built, GNUTLS_X509_FMT_DER, &der),
		  "export");
	ok_gnutls(gnutls_x509_crt_init(&c), "crt_init");
	ok_gnutls(gnutls_x509_crt_import(c, &der, GNUTLS_X509_FMT_DER),
		  "import");
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(built);
	return c;
}

static void
add_more_sans(gnutls_x509_crt_t c)
{
	static const char email[] = "postmaster@wrong.example";
	static const char uri[] = "https://wrong.example/";
	/* 2001:db8::1 */
	static const unsigned char ip6[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	ok_gnutls(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_RFC822NAME,
						       email, sizeof(email) - 1,
						       GNUTLS_FSAN_APPEND),
		  "email san");
	ok_gnutls(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_URI, uri,
						       sizeof(uri) - 1,
						       GNUTLS_FSAN_APPEND),
		  "uri san");
	ok_gnutls(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS,
						       ip6, sizeof(ip6),
						       GNUTLS_FSAN_APPEND),
		  "ipv6 san");
}

/* The null-prefix trick: a dNSName with a NUL inside, which GnuTLS's SAN
 * setter would cut short, so the extension is written as DER by hand:
 * SEQUENCE { [2] IMPLICIT IA5String }. */
static void
add_nul_san(gnutls_x509_crt_t c)
{
	static const char name[] = "localhost\0.wrong.example";
	unsigned char der[4 + sizeof(name) - 1];

	der[0] = 0x30;
	der[1] = (unsigned char)(sizeof(der) - 2);
	der[2] = 0x82;
	der[3] = (unsigned char)(sizeof(name) - 1);
	memcpy(der + 4, name, sizeof(name) - 1);
	ok_gnutls(gnutls_x509_crt_set_extension_by_oid(
		      c, GNUTLS_X509EXT_OID_SAN, der, sizeof(der), 0),
		  "nul san");
}

static gnutls_x509_crt_t
make_cert(const struct cert_spec *s)
{
	gnutls_x509_crt_t c;
	unsigned char serial[4];
	unsigned long n = serial_next++;

	serial[0] = 0x01;
	serial[1] = (unsigned char)(n >> 16);
	serial[2] = (unsigned char)(n >> 8);
	serial[3] = (unsigned char)n;
	ok_gnutls(gnutls_x509_crt_init(&c), "crt_init");
	ok_gnutls(gnutls_x509_crt_set_version(c, 3), "version");
	ok_gnutls(gnutls_x509_crt_set_serial(c, serial, sizeof(serial)),
		  "serial");
	ok_gnutls(gnutls_x509_crt_set_activation_time(c, s->from), "from");
	ok_gnutls(gnutls_x509_crt_set_expiration_time(c, s->to), "to");
	ok_gnutls(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME,
						0, s->cn,
						(unsigned)strlen(s->cn)),
		  "cn");
	ok_gnutls(gnutls_x509_crt_set_key(c, s->key), "key");
	if (s->dns != NULL)
		ok_gnutls(gnutls_x509_crt_set_subject_alt_name(
			      c, GNUTLS_SAN_DNSNAME, s->dns,
			      (unsigned)strlen(s->dns), GNUTLS_FSAN_APPEND),
			  "dns san");
	if (s->ip != NULL)
		ok_gnutls(
		    gnutls_x509_crt_set_subject_alt_name(
			c, GNUTLS_SAN_IPADDRESS, s->ip, 4, GNUTLS_FSAN_APPEND),
		    "ip san");
	if (s->more_sans)
		add_more_sans(c);
	if (s->nul_san)
		add_nul_san(c);
	ok_gnutls(gnutls_x509_crt_set_basic_constraints(c, s->ca, -1), "bc");
	if (s->ca)
		ok_gnutls(
		    gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN |
							 GNUTLS_KEY_CRL_SIGN),
		    "ku");
	else
		ok_gnutls(gnutls_x509_crt_set_key_purpose_oid(
			      c, GNUTLS_KP_TLS_WWW_SERVER, 0),
			  "eku");
	ok_gnutls(
	    gnutls_x509_crt_sign2(c, s->issuer != NULL ? s->issuer : c,
				  s->issuer != NULL ? s->issuer_key : s->key,
				  GNUTLS_DIG_SHA256, 0),
	    "sign");
	return reimport(c);
}

static gnutls_x509_crt_t
make_leaf(const char *cn, const char *dns, const unsigned char *ip, time_t from,
	  time_t to)
{
	struct cert_spec s = {.cn = cn,
			      .dns = dns,
			      .ip = ip,
			      .from = from,
			      .to = to,
			      .key = pki.leaf_key,
			      .issuer = pki.inter,
			      .issuer_key = pki.inter_key};

	return make_cert(&s);
}

static void
write_file(char *path, const char *tmpl, const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "%s", tmpl);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		abort();
}

static void
pki_setup(void)
{
	static const unsigned char lo[4] = {127, 0, 0, 1};
	static const char junk[] = "this is not a certificate\n";
	time_t now = time(NULL);
	struct cert_spec ca = {.cn = "tlsmail Test CA",
			       .from = now - DAY,
			       .to = now + 365 * DAY,
			       .ca = true};
	struct cert_spec inter = {.cn = "tlsmail Test Intermediate",
				  .from = now - DAY,
				  .to = now + 365 * DAY,
				  .ca = true};
	struct cert_spec self = {.cn = "localhost",
				 .dns = "localhost",
				 .from = now - DAY,
				 .to = now + 30 * DAY};
	struct cert_spec wrong = {.cn = "wrong.example",
				  .dns = "wrong.example",
				  .from = now - DAY,
				  .to = now + 90 * DAY,
				  .more_sans = true};
	struct cert_spec nul = {.cn = "wrong.example",
				.from = now - DAY,
				.to = now + 90 * DAY,
				.nul_san = true};
	gnutls_datum_t pem;

	pki.now = now;
	pki.ca_key = make_key();
	pki.leaf_key = make_key();
	ca.key = pki.ca_key;
	pki.ca = make_cert(&ca);
	pki.inter_key = make_key();
	inter.key = pki.inter_key;
	inter.issuer = pki.ca;
	inter.issuer_key = pki.ca_key;
	pki.inter = make_cert(&inter);
	pki.good =
	    make_leaf("localhost", "localhost", lo, now - DAY, now + 90 * DAY);
	wrong.key = nul.key = pki.leaf_key;
	wrong.issuer = nul.issuer = pki.inter;
	wrong.issuer_key = nul.issuer_key = pki.inter_key;
	pki.wrong = make_cert(&wrong);
	pki.nul = make_cert(&nul);
	pki.expired = make_leaf("localhost", "localhost", lo, now - 60 * DAY,
				now - 2 * DAY);
	pki.cn_ip =
	    make_leaf("127.0.0.1", NULL, NULL, now - DAY, now + 90 * DAY);
	pki.dns_ip = make_leaf("ip.example", "127.0.0.1", NULL, now - DAY,
			       now + 90 * DAY);
	self.key = pki.leaf_key;
	pki.self = make_cert(&self);
	ok_gnutls(gnutls_x509_crt_export2(pki.ca, GNUTLS_X509_FMT_PEM, &pem),
		  "export");
	write_file(pki.cafile, "/tmp/check_tls_ca.XXXXXX", pem.data, pem.size);
	gnutls_free(pem.data);
	write_file(pki.junkfile, "/tmp/check_tls_junk.XXXXXX", junk,
		   sizeof(junk) - 1);
}

static void
pki_teardown(void)
{
	gnutls_x509_crt_t *all[] = {&pki.ca,	&pki.inter, &pki.good,
				    &pki.wrong, &pki.nul,   &pki.expired,
				    &pki.self,	&pki.cn_ip, &pki.dns_ip};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		gnutls_x509_crt_deinit(*all[i]);
	gnutls_x509_privkey_deinit(pki.ca_key);
	gnutls_x509_privkey_deinit(pki.inter_key);
	gnutls_x509_privkey_deinit(pki.leaf_key);
	unlink(pki.cafile);
	unlink(pki.junkfile);
}

/* SHA-256 of a certificate's DER, computed here independently of tls.c. */
static void
cert_sha256(gnutls_x509_crt_t crt, unsigned char d[32])
{
	size_t n = 32;

	ok_gnutls(
	    gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, d, &n),
	    "fingerprint");
	ck_assert_uint_eq(n, 32);
}

static void
hex_with(char *out, const unsigned char *d, size_t n, const char *digits,
	 const char *sep)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%c%c", i > 0 ? sep : "",
			digits[d[i] >> 4], digits[d[i] & 15]);
}

/*
 * The server thread.
 */

struct srv {
	int fd;
	const char *priority; /* NULL: NORMAL */
	gnutls_x509_crt_t chain[2];
	unsigned nchain;
	bool raw; /* send "250 ok\r\n", not TLS */
	enum { SRV_ECHO, SRV_ALERT, SRV_HANGUP } after; /* the handshake */
	int read_delay_ms;  /* before reading application data */
	bool check_pattern; /* byte i must be i % 251 */
	bool pattern_ok;
	/* What the server saw. */
	int hs_ret;
	char sni[256];
	size_t nread;		 /* application bytes received */
	unsigned char first[64]; /* the first of them */
	bool got_close_notify;
};

static void
srv_raw(struct srv *s)
{
	static const char line[] = "250 ok\r\n";
	char buf[512];

	if (send(s->fd, line, sizeof(line) - 1, MSG_NOSIGNAL) < 0)
		return;
	/* Wait until the client gives up and closes. */
	while (read(s->fd, buf, sizeof(buf)) > 0)
		continue;
}

/* Reads application data until close_notify, answering every read with
 * "pong <bytes so far>"; then returns the close_notify. */
static void
srv_echo(struct srv *s, gnutls_session_t ss)
{
	unsigned char buf[8192];
	char reply[64];
	ssize_t n;

	if (s->read_delay_ms > 0) {
		struct timespec ts = {0, s->read_delay_ms * 1000000L};

		nanosleep(&ts, NULL);
	}
	s->pattern_ok = s->check_pattern;
	for (;;) {
		/* GNUTLS_E_AGAIN here is SO_RCVTIMEO: give up. */
		n = gnutls_record_recv(ss, buf, sizeof(buf));
		if (n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n <= 0) {
			s->got_close_notify = n == 0;
			break;
		}
		for (ssize_t j = 0; s->check_pattern && j < n; j++)
			if (buf[j] != (s->nread + (size_t)j) % 251)
				s->pattern_ok = false;
		if (s->nread < sizeof(s->first))
			memcpy(s->first + s->nread, buf,
			       (size_t)n < sizeof(s->first) - s->nread
				   ? (size_t)n
				   : sizeof(s->first) - s->nread);
		s->nread += (size_t)n;
		snprintf(reply, sizeof(reply), "pong %zu\r\n", s->nread);
		if (gnutls_record_send(ss, reply, strlen(reply)) < 0)
			break;
	}
	if (s->got_close_notify)
		gnutls_bye(ss, GNUTLS_SHUT_WR);
}

static void
srv_tls(struct srv *s)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t ss;
	gnutls_datum_t ticket_key = {NULL, 0};
	gnutls_x509_crt_t chain[2] = {s->chain[0], s->chain[1]};
	size_t n = sizeof(s->sni);
	unsigned type;
	int ret;

	ok_gnutls(gnutls_certificate_allocate_credentials(&cred), "cred");
	ok_gnutls(gnutls_certificate_set_x509_key(cred, chain, s->nchain,
						  pki.leaf_key),
		  "set key");
	ok_gnutls(gnutls_init(&ss, GNUTLS_SERVER | GNUTLS_NO_SIGNAL), "init");
	ok_gnutls(gnutls_priority_set_direct(
		      ss, s->priority != NULL ? s->priority : "NORMAL", NULL),
		  "priority");
	ok_gnutls(gnutls_credentials_set(ss, GNUTLS_CRD_CERTIFICATE, cred),
		  "credentials");
	/* Issue session tickets, as most MTAs do. */
	ok_gnutls(gnutls_session_ticket_key_generate(&ticket_key), "key");
	ok_gnutls(gnutls_session_ticket_enable_server(ss, &ticket_key),
		  "tickets");
	gnutls_transport_set_int(ss, s->fd);
	do
		ret = gnutls_handshake(ss);
	while (ret == GNUTLS_E_INTERRUPTED);
	s->hs_ret = ret;
	/* Read even when the handshake failed on this side: in TLS 1.3 the
	 * client may hang up while the server is still sending its session
	 * ticket, after the ClientHello's SNI was processed. */
	if (gnutls_server_name_get(ss, s->sni, &n, &type, 0) < 0)
		s->sni[0] = '\0';
	/* As servers do: say why (RFC 8446 section 6.2). */
	if (ret < 0)
		gnutls_alert_send_appropriate(ss, ret);
	if (ret == 0) {
		if (s->after == SRV_ALERT)
			gnutls_alert_send(ss, GNUTLS_AL_FATAL,
					  GNUTLS_A_INTERNAL_ERROR);
		else if (s->after == SRV_ECHO)
			srv_echo(s, ss);
	}
	gnutls_deinit(ss);
	gnutls_free(ticket_key.data);
	gnutls_certificate_free_credentials(cred);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct timeval tv = {10, 0};

	/* A stuck test fails instead of hanging. */
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (s->raw)
		srv_raw(s);
	else
		srv_tls(s);
	close(s->fd);
	return NULL;
}

/*
 * The client side of one test.
 */

struct run {
	struct srv srv;
	pthread_t th;
	int cfd;
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	struct tls_facts facts;
	struct err err;
};

static struct tls_conf
conf_ca(void)
{
	struct tls_conf c;

	memset(&c, 0, sizeof(c));
	c.cafile = pki.cafile;
	return c;
}

/* Starts the server thread with leaf (then the intermediate; the CA file
 * holds only the root) and makes the
 * client context and connection; the handshake is left to the test. */
static void
run_start(struct run *r, const struct tls_conf *conf, const char *name,
	  gnutls_x509_crt_t leaf)
{
	int sv[2];

	err_clear(&r->err);
	memset(&r->facts, 0, sizeof(r->facts));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	r->cfd = sv[0];
	r->srv.fd = sv[1];
	r->srv.chain[0] = leaf;
	r->srv.chain[1] = pki.inter;
	if (r->srv.nchain == 0)
		r->srv.nchain = 2;
	ck_assert_int_eq(fcntl(r->cfd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(pthread_create(&r->th, NULL, srv_main, &r->srv), 0);
	ck_assert_msg(tls_ctx_new(&r->ctx, conf, &r->err) == 0, "ctx: %s",
		      r->err.msg);
	ck_assert_msg(tls_conn_new(&r->conn, r->ctx, r->cfd, name, &r->facts,
				   &r->err) == 0,
		      "conn: %s", r->err.msg);
}

static int
wait_fd(int fd, int want)
{
	struct pollfd p = {fd, want == TLS_WANT_WRITE ? POLLOUT : POLLIN, 0};

	return poll(&p, 1, 10000) == 1 ? 0 : -1;
}

/* io's loop in miniature: 0, -1 (err filled), or -9 on a timeout. */
static int
run_handshake(struct run *r)
{
	int ret;

	for (;;) {
		ret = tls_handshake(r->conn, &r->err);
		if (ret == 0 || ret == -1)
			return ret;
		ck_assert(ret == TLS_WANT_READ || ret == TLS_WANT_WRITE);
		if (wait_fd(r->cfd, ret) < 0)
			return -9;
	}
}

static void
run_end(struct run *r)
{
	tls_conn_free(r->conn);
	close(r->cfd);
	pthread_join(r->th, NULL);
	tls_ctx_free(r->ctx);
	tls_facts_free(&r->facts);
}

/* Handshake with a trusted server; returns the err for the caller. */
static int
run_simple(struct run *r, const struct tls_conf *conf, const char *name,
	   gnutls_x509_crt_t leaf)
{
	run_start(r, conf, name, leaf);
	return run_handshake(r);
}

static void
send_all(struct run *r, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = tls_send(r->conn, p, len, &r->err);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			ck_assert_int_eq(wait_fd(r->cfd, (int)n), 0);
			continue;
		}
		ck_assert_msg(n > 0, "tls_send: %s", r->err.msg);
		/* One call never takes more than one TLS record. */
		ck_assert_int_le(n, 16384);
		p += n;
		len -= (size_t)n;
	}
}

/* Reads one reply line ("pong N\r\n") from the server. */
static void
recv_line(struct run *r, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got == 0 || buf[got - 1] != '\n') {
		ck_assert_uint_lt(got, cap - 1);
		n = tls_recv(r->conn, buf + got, cap - 1 - got, &r->err);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			ck_assert_int_eq(wait_fd(r->cfd, (int)n), 0);
			continue;
		}
		ck_assert_msg(n > 0, "tls_recv: %zd %s", n, r->err.msg);
		got += (size_t)n;
	}
	buf[got] = '\0';
}

/*
 * core
 */

/* A trusted chain for the right name: handshake succeeds, and every fact
 * matches what the test PKI put in, computed independently here. */
START_TEST(test_good_localhost)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	unsigned char d[32];
	char want[128];
	gnutls_datum_t pin64 = {NULL, 0}, dd = {d, 32};
	size_t n = 32;
	const struct cert_facts *leaf;

	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	tls_facts_session(r.conn, &r.facts);
	ck_assert(r.facts.active);
	ck_assert(r.facts.verified);
	ck_assert(!r.facts.pinned);
	ck_assert_uint_eq(r.facts.verify_status, 0);
	ck_assert_str_eq(r.facts.verify_reason, "");
	ck_assert_str_eq(r.facts.version, "TLS1.3");
	ck_assert_msg(strncmp(r.facts.cipher, "TLS_", 4) == 0, "cipher %s",
		      r.facts.cipher);
	ck_assert_str_ne(r.facts.kx_group, "");
	ck_assert_str_eq(r.facts.sig_alg, "ECDSA-SECP256R1-SHA256");
	ck_assert_uint_eq(r.facts.nchain, 2);
	leaf = &r.facts.chain[0];
	ck_assert_str_eq(leaf->subject, "CN=localhost");
	ck_assert_str_eq(leaf->issuer, "CN=tlsmail Test Intermediate");
	ck_assert_str_eq(r.facts.chain[1].subject,
			 "CN=tlsmail Test Intermediate");
	ck_assert_str_eq(r.facts.chain[1].issuer, "CN=tlsmail Test CA");
	ck_assert_str_eq(leaf->sans, "DNS:localhost, IP:127.0.0.1");
	ck_assert_str_eq(r.facts.chain[1].sans, "");
	ck_assert_str_eq(leaf->sig_alg, "ECDSA-SHA256");
	ck_assert_str_eq(leaf->key_type, "ECDSA SECP256R1");
	ck_assert_uint_eq(leaf->key_bits, 256);
	ck_assert_int_eq(leaf->not_before, pki.now - DAY);
	ck_assert_int_eq(leaf->not_after, pki.now + 90 * DAY);
	/* Serial as set by make_cert: 01 then a 3-byte counter. */
	ck_assert_uint_eq(strlen(leaf->serial), 8);
	ck_assert_msg(strncmp(leaf->serial, "01", 2) == 0, "serial %s",
		      leaf->serial);
	/* sha256: "AB:CD:..." uppercase, of the DER certificate. */
	cert_sha256(pki.good, d);
	hex_with(want, d, 32, "0123456789ABCDEF", ":");
	ck_assert_uint_eq(strlen(leaf->sha256), 95);
	ck_assert_str_eq(leaf->sha256, want);
	/* pin-sha256: GnuTLS's SHA-256 key ID is the hash of the
	 * SubjectPublicKeyInfo, the same thing RFC 7469 hashes. */
	ok_gnutls(gnutls_x509_crt_get_key_id(pki.good, GNUTLS_KEYID_USE_SHA256,
					     d, &n),
		  "key id");
	ok_gnutls(gnutls_base64_encode2(&dd, &pin64), "base64");
	ck_assert_uint_eq(strlen(leaf->pin_sha256), 44);
	ck_assert_mem_eq(leaf->pin_sha256, pin64.data, 44);
	gnutls_free(pin64.data);
	/* SNI carried the DNS name. */
	tls_bye(r.conn);
	run_end(&r);
	ck_assert_str_eq(r.srv.sni, "localhost");
}
END_TEST

/* After the handshake, bytes go both ways; a large buffer is taken one
 * record at a time; close_notify reaches the server and the server's
 * close_notify is end of stream. */
START_TEST(test_send_recv)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	char line[64];
	unsigned char *big;
	size_t bigsize = 40000;
	char buf[16];
	ssize_t n;

	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	send_all(&r, "EHLO x\r\n", 8);
	recv_line(&r, line, sizeof(line));
	ck_assert_str_eq(line, "pong 8\r\n");
	ck_assert_uint_eq(tls_pending(r.conn), 0);
	/* The TLS 1.3 ticket came before the reply (RFC 8446 4.6.1). */
	tls_facts_session(r.conn, &r.facts);
	ck_assert(r.facts.resumable);
	big = malloc(bigsize);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', bigsize);
	n = tls_send(r.conn, big, bigsize, &r.err);
	ck_assert_msg(n > 0 && n < (ssize_t)bigsize, "first send took %zd", n);
	send_all(&r, big + n, bigsize - (size_t)n);
	free(big);
	/* The server answers after each read; read until it has seen all. */
	do
		recv_line(&r, line, sizeof(line));
	while (strcmp(line, "pong 40008\r\n") != 0);
	tls_bye(r.conn);
	tls_bye(r.conn); /* a second call is harmless */
	for (;;) {
		n = tls_recv(r.conn, buf, sizeof(buf), &r.err);
		if (n != TLS_WANT_READ)
			break;
		ck_assert_int_eq(wait_fd(r.cfd, TLS_WANT_READ), 0);
	}
	ck_assert_int_eq(n, 0);
	run_end(&r);
	ck_assert(r.srv.got_close_notify);
	ck_assert_uint_eq(r.srv.nread, 40008);
	ck_assert_mem_eq(r.srv.first, "EHLO x\r\nxxxx", 12);
}
END_TEST

/* A server slow to read: the client's small socket buffer fills, tls_send
 * says TLS_WANT_WRITE, and calling again with the same bytes continues
 * where GnuTLS stopped.  Every byte arrives once, in order. */
START_TEST(test_send_want_write)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	size_t size = 200000, off = 0;
	unsigned char *buf;
	unsigned waits = 0;
	int small = 4096;
	char line[64], want[64];
	ssize_t n;

	r.srv.read_delay_ms = 300;
	r.srv.check_pattern = true;
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)(i % 251);
	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert_int_eq(
	    setsockopt(r.cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	while (off < size) {
		n = tls_send(r.conn, buf + off, size - off, &r.err);
		if (n == TLS_WANT_WRITE || n == TLS_WANT_READ) {
			waits++;
			ck_assert_int_eq(wait_fd(r.cfd, (int)n), 0);
			continue;
		}
		ck_assert_msg(n > 0, "tls_send: %s", r.err.msg);
		off += (size_t)n;
	}
	free(buf);
	ck_assert_uint_gt(waits, 0);
	snprintf(want, sizeof(want), "pong %zu\r\n", size);
	do
		recv_line(&r, line, sizeof(line));
	while (strcmp(line, want) != 0);
	tls_bye(r.conn);
	run_end(&r);
	ck_assert_uint_eq(r.srv.nread, size);
	ck_assert(r.srv.pattern_ok);
}
END_TEST

/* TLS 1.2 is still accepted (RFC 8996 sets the floor there) and its
 * facts read as well as 1.3's; a second tls_handshake call is a no-op. */
START_TEST(test_tls12)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	r.srv.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert_int_eq(tls_handshake(r.conn, &r.err), 0);
	tls_facts_session(r.conn, &r.facts);
	ck_assert(r.facts.verified);
	ck_assert_str_eq(r.facts.version, "TLS1.2");
	ck_assert_msg(strncmp(r.facts.cipher, "TLS_ECDHE_ECDSA_WITH_", 21) == 0,
		      "cipher %s", r.facts.cipher);
	ck_assert_str_ne(r.facts.kx_group, "");
	ck_assert_str_ne(r.facts.sig_alg, "");
	tls_bye(r.conn);
	run_end(&r);
}
END_TEST

static ssize_t
recv_one(struct run *r, char *buf, size_t len)
{
	ssize_t n;

	while ((n = tls_recv(r->conn, buf, len, &r->err)) == TLS_WANT_READ)
		ck_assert_int_eq(wait_fd(r->cfd, TLS_WANT_READ), 0);
	return n;
}

/* A fatal alert in mid-session is a protocol error naming the alert. */
START_TEST(test_recv_alert)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	char buf[16];

	r.srv.after = SRV_ALERT;
	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert_int_eq(recv_one(&r, buf, sizeof(buf)), -1);
	ck_assert_int_eq(r.err.cls, ERR_PROTOCOL);
	ck_assert_str_eq(r.err.msg, "the server sent the TLS alert "
				    "\"Internal error\" while reading");
	run_end(&r);
}
END_TEST

/* A server that hangs up without close_notify: end of stream, for the
 * SMTP layer to judge (after QUIT it is common and harmless). */
START_TEST(test_recv_hangup)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	char buf[16];

	r.srv.after = SRV_HANGUP;
	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert_int_eq(recv_one(&r, buf, sizeof(buf)), 0);
	run_end(&r);
}
END_TEST

/* An IP literal matches the iPAddress SAN; no SNI is sent (RFC 6066). */
START_TEST(test_ip_san)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_msg(run_simple(&r, &conf, "127.0.0.1", pki.good) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert(r.facts.verified);
	tls_bye(r.conn);
	run_end(&r);
	ck_assert_str_eq(r.srv.sni, "");
}
END_TEST

/* A CN of "127.0.0.1" without any SAN must not vouch for the address
 * (RFC 6125 section 6.4.4 allows the CN for DNS names only). */
START_TEST(test_ip_cn_refused)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "127.0.0.1", pki.cn_ip), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_int_eq(r.err.step, STEP_TLS);
	ck_assert_msg(strstr(r.err.msg, "does not match") != NULL, "%s",
		      r.err.msg);
	ck_assert(!r.facts.verified);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_UNEXPECTED_OWNER);
	run_end(&r);
}
END_TEST

/* A dNSName SAN of "127.0.0.1" must not vouch for the address either. */
START_TEST(test_ip_dnsname_refused)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "127.0.0.1", pki.dns_ip), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_UNEXPECTED_OWNER);
	run_end(&r);
}
END_TEST

/* An IPv6 literal in brackets is a literal too: no SNI, and the good cert
 * (no IPv6 SAN) does not match. */
START_TEST(test_ipv6_literal)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "[::1]", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_msg(strstr(r.err.msg, "certificate for \"::1\"") != NULL,
		      "%s", r.err.msg);
	run_end(&r);
	ck_assert_str_eq(r.srv.sni, "");
}
END_TEST

/* The wrong name: ERR_SECURITY with GnuTLS's reason and a hint; the chain
 * is recorded all the same, for the report. */
START_TEST(test_wrong_host)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.wrong), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_int_eq(r.err.step, STEP_TLS);
	ck_assert_str_eq(
	    r.err.msg,
	    "certificate for \"localhost\" not trusted: The certificate is "
	    "NOT trusted. The name in the certificate does not match the "
	    "expected.");
	ck_assert_msg(strstr(r.err.hint, "--host") != NULL, "%s", r.err.hint);
	ck_assert(!r.facts.active);
	ck_assert(!r.facts.verified);
	ck_assert_uint_eq(r.facts.nchain, 2);
	ck_assert_str_eq(r.facts.chain[0].subject, "CN=wrong.example");
	/* Every SAN type a mail client may meet, in certificate order. */
	ck_assert_str_eq(r.facts.chain[0].sans,
			 "DNS:wrong.example, email:postmaster@wrong.example, "
			 "URI:https://wrong.example/, IP:2001:db8::1");
	ck_assert_str_eq(
	    r.facts.verify_reason,
	    "The certificate is NOT trusted. The name in the certificate does "
	    "not match the expected.");
	run_end(&r);
	/* The server saw the handshake fail, not a session. */
	ck_assert_int_lt(r.srv.hs_ret, 0);
}
END_TEST

/* "localhost\0.wrong.example" is not "localhost"; the NUL is shown. */
START_TEST(test_nul_in_name)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.nul), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_uint_eq(r.facts.verify_status,
			  GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER);
	ck_assert_uint_eq(r.facts.nchain, 2);
	ck_assert_str_eq(r.facts.chain[0].sans,
			 "DNS:localhost\\x00.wrong.example");
	run_end(&r);
}
END_TEST

START_TEST(test_expired)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.expired), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_msg(strstr(r.err.msg, "expired") != NULL, "%s", r.err.msg);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_EXPIRED);
	ck_assert_int_eq(r.facts.chain[0].not_after, pki.now - 2 * DAY);
	run_end(&r);
}
END_TEST

/* A self-signed certificate is not trusted (it is not in the CA file). */
START_TEST(test_self_signed)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	r.srv.nchain = 1;
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.self), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_msg(strstr(r.err.msg, "not trusted") != NULL, "%s",
		      r.err.msg);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_SIGNER_NOT_FOUND);
	ck_assert_uint_eq(r.facts.nchain, 1);
	run_end(&r);
}
END_TEST

/* Without --cafile the system store is the trust: our test CA is not in
 * it, so even the good certificate fails. */
START_TEST(test_system_trust)
{
	struct tls_conf conf;
	struct run r = {0};

	memset(&conf, 0, sizeof(conf));
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_SIGNER_NOT_FOUND);
	run_end(&r);
}
END_TEST

/* A matching pin accepts an untrusted certificate; the chain failure is
 * still recorded.  The pin is given lowercase with colons. */
START_TEST(test_pin_match)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	unsigned char d[32];
	char pin[128];

	cert_sha256(pki.self, d);
	hex_with(pin, d, 32, "0123456789abcdef", ":");
	conf.pin = pin;
	r.srv.nchain = 1;
	ck_assert_msg(run_simple(&r, &conf, "localhost", pki.self) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert(r.facts.pinned);
	ck_assert(r.facts.pin_matched);
	ck_assert(r.facts.verified);
	ck_assert(r.facts.verify_status & GNUTLS_CERT_SIGNER_NOT_FOUND);
	tls_bye(r.conn);
	run_end(&r);
}
END_TEST

/* A pin that does not match refuses even a fully trusted certificate. */
START_TEST(test_pin_mismatch)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};
	unsigned char d[32];
	char pin[128], got[128], want[400];

	cert_sha256(pki.self, d);
	hex_with(pin, d, 32, "0123456789ABCDEF", "");
	conf.pin = pin;
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	cert_sha256(pki.good, d);
	hex_with(got, d, 32, "0123456789ABCDEF", ":");
	cert_sha256(pki.self, d);
	hex_with(pin, d, 32, "0123456789ABCDEF", ":");
	snprintf(want, sizeof(want),
		 "certificate fingerprint %s does not match the pinned %s", got,
		 pin);
	ck_assert_str_eq(r.err.msg, want);
	ck_assert_str_ne(r.err.hint, "");
	ck_assert(r.facts.pinned);
	ck_assert(!r.facts.pin_matched);
	ck_assert(!r.facts.verified);
	ck_assert_uint_eq(r.facts.verify_status, 0);
	run_end(&r);
}
END_TEST

/* Verification off: the handshake completes, and the facts say it was
 * not verified. */
START_TEST(test_no_verify)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	conf.no_verify = true;
	r.srv.nchain = 1;
	ck_assert_msg(run_simple(&r, &conf, "wrong.example", pki.self) == 0,
		      "handshake: %s", r.err.msg);
	ck_assert(!r.facts.verified);
	ck_assert_str_ne(r.facts.verify_reason, "");
	tls_bye(r.conn);
	run_end(&r);
}
END_TEST

/* A server stuck at TLS 1.0/1.1 is refused with the reason in words. */
START_TEST(test_old_versions)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	r.srv.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1";
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_int_eq(r.err.step, STEP_TLS);
	ck_assert_msg(strstr(r.err.msg,
			     "server offers only TLS versions below the "
			     "minimum (TLS 1.2, RFC 8996)") != NULL,
		      "%s", r.err.msg);
	ck_assert_msg(strstr(r.err.hint, "--tls-priority") != NULL, "%s",
		      r.err.hint);
	run_end(&r);
}
END_TEST

/* No cipher in common: the server's alert is named. */
START_TEST(test_no_common_cipher)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	r.srv.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:"
			 "+CAMELLIA-128-CBC";
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_SECURITY);
	ck_assert_int_eq(r.err.step, STEP_TLS);
	ck_assert_str_eq(r.err.msg, "TLS handshake failed: the server sent "
				    "the alert \"Handshake failed\"");
	ck_assert_msg(strstr(r.err.hint, "--tls-priority") != NULL, "%s",
		      r.err.hint);
	run_end(&r);
}
END_TEST

/* Plain text where a ServerHello should be: a protocol error naming the
 * possible injection, not a certificate or version failure. */
START_TEST(test_not_tls)
{
	struct tls_conf conf = conf_ca();
	struct run r = {0};

	r.srv.raw = true;
	ck_assert_int_eq(run_simple(&r, &conf, "localhost", pki.good), -1);
	ck_assert_int_eq(r.err.cls, ERR_PROTOCOL);
	ck_assert_str_eq(r.err.msg,
			 "server sent data that is not TLS during the "
			 "handshake (possible STARTTLS injection)");
	ck_assert_uint_eq(r.facts.nchain, 0);
	run_end(&r);
}
END_TEST

/* The server hangs up mid-handshake: a temporary failure. */
START_TEST(test_connection_lost)
{
	struct tls_conf conf = conf_ca();
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	struct tls_facts facts;
	struct err e;
	int sv[2], ret;

	memset(&facts, 0, sizeof(facts));
	err_clear(&e);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	close(sv[1]);
	ck_assert_int_eq(tls_ctx_new(&ctx, &conf, &e), 0);
	ck_assert_int_eq(
	    tls_conn_new(&conn, ctx, sv[0], "localhost", &facts, &e), 0);
	do
		ret = tls_handshake(conn, &e);
	while (ret == TLS_WANT_READ && wait_fd(sv[0], ret) == 0);
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(e.cls, ERR_TEMP);
	ck_assert_msg(
	    strncmp(e.msg, "connection lost during TLS handshake", 36) == 0,
	    "%s", e.msg);
	tls_conn_free(conn);
	tls_ctx_free(ctx);
	close(sv[0]);
}
END_TEST

/*
 * limits: configuration errors
 */

static void
ctx_fails(const struct tls_conf *conf, struct err *e)
{
	struct tls_ctx *ctx = (struct tls_ctx *)&ctx;

	err_clear(e);
	ck_assert_int_eq(tls_ctx_new(&ctx, conf, e), -1);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(e->cls, ERR_CONFIG);
}

START_TEST(test_bad_priority)
{
	struct tls_conf conf = conf_ca();
	struct err e;

	conf.priority = "NORMAL:+BOGUS-THING";
	ctx_fails(&conf, &e);
	ck_assert_msg(strstr(e.msg, "NORMAL:+BOGUS-THING") != NULL, "%s",
		      e.msg);
	/* GnuTLS's error position: the bad element starts at offset 7. */
	ck_assert_msg(strstr(e.msg, "at offset 7 (\"+BOGUS-THING\")") != NULL,
		      "%s", e.msg);
}
END_TEST

#define Z16  "0000000000000000"
#define H16  "0123456789abcdef"
#define H16U "0123456789ABCDEF"

/* Every malformed pin gets the one message that says what is wanted. */
START_TEST(test_bad_pin)
{
	static const char *const bad[] = {
	    "",
	    "00",
	    (Z16 Z16 Z16 "000000000000000"),	  /* 63 digits */
	    (Z16 Z16 Z16 Z16 "0"),		  /* 65 digits */
	    ("g" Z16 Z16 Z16 "000000000000000"),  /* a 'g' */
	    (Z16 Z16 Z16 "000000000000000\n"),	  /* a newline */
	    ("00 " Z16 Z16 Z16 "00000000000000"), /* a space */
	    /* SHA-1, with colons */
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
	};
	struct tls_conf conf = conf_ca();
	struct err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf.pin = bad[i];
		ctx_fails(&conf, &e);
		ck_assert_str_eq(e.msg, "--fingerprint wants the SHA-256 of "
					"the certificate: 64 hex digits");
	}
}
END_TEST

/* Colons anywhere and mixed case are accepted. */
START_TEST(test_good_pin_forms)
{
	static const char *const good[] = {
	    (H16 H16U H16 H16U),
	    ("01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
	     "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef"),
	    (":" H16 H16 H16 H16 ":"),
	};
	struct tls_conf conf = conf_ca();
	struct tls_ctx *ctx;
	struct err e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		conf.pin = good[i];
		err_clear(&e);
		ck_assert_msg(tls_ctx_new(&ctx, &conf, &e) == 0, "%s: %s",
			      good[i], e.msg);
		tls_ctx_free(ctx);
	}
}
END_TEST

START_TEST(test_cafile_missing)
{
	struct tls_conf conf = conf_ca();
	struct err e;

	conf.cafile = "/nonexistent/ca.pem";
	ctx_fails(&conf, &e);
	ck_assert_msg(strncmp(e.msg, "CA file /nonexistent/ca.pem: ", 29) == 0,
		      "%s", e.msg);
	ck_assert_uint_gt(strlen(e.msg), 29);
}
END_TEST

/* A CA file without a single certificate is an error, not an empty trust
 * store that fails every server later. */
START_TEST(test_cafile_empty)
{
	struct tls_conf conf = conf_ca();
	struct err e;

	conf.cafile = pki.junkfile;
	ctx_fails(&conf, &e);
	ck_assert_msg(strstr(e.msg, pki.junkfile) != NULL, "%s", e.msg);
}
END_TEST

START_TEST(test_client_cert_missing)
{
	struct tls_conf conf = conf_ca();
	struct err e;

	conf.certfile = "/nonexistent/client.pem";
	ctx_fails(&conf, &e);
	ck_assert_msg(strstr(e.msg, "/nonexistent/client.pem") != NULL, "%s",
		      e.msg);
	conf.certfile = NULL;
	conf.keyfile = "/nonexistent/client.key";
	ctx_fails(&conf, &e);
}
END_TEST

/* No server name would mean no identity check at all. */
START_TEST(test_no_servername)
{
	struct tls_conf conf = conf_ca();
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	struct tls_facts facts;
	struct err e;

	memset(&facts, 0, sizeof(facts));
	err_clear(&e);
	ck_assert_int_eq(tls_ctx_new(&ctx, &conf, &e), 0);
	ck_assert_int_eq(tls_conn_new(&conn, ctx, 0, "", &facts, &e), -1);
	ck_assert_ptr_null(conn);
	ck_assert_int_eq(tls_conn_new(&conn, ctx, 0, NULL, &facts, &e), -1);
	tls_ctx_free(ctx);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_set_timeout(core, 30);
	tcase_add_test(core, test_good_localhost);
	tcase_add_test(core, test_send_recv);
	tcase_add_test(core, test_send_want_write);
	tcase_add_test(core, test_tls12);
	tcase_add_test(core, test_recv_alert);
	tcase_add_test(core, test_recv_hangup);
	tcase_add_test(core, test_ip_san);
	tcase_add_test(core, test_ip_cn_refused);
	tcase_add_test(core, test_ip_dnsname_refused);
	tcase_add_test(core, test_ipv6_literal);
	tcase_add_test(core, test_wrong_host);
	tcase_add_test(core, test_nul_in_name);
	tcase_add_test(core, test_expired);
	tcase_add_test(core, test_self_signed);
	tcase_add_test(core, test_system_trust);
	tcase_add_test(core, test_pin_match);
	tcase_add_test(core, test_pin_mismatch);
	tcase_add_test(core, test_no_verify);
	tcase_add_test(core, test_old_versions);
	tcase_add_test(core, test_no_common_cipher);
	tcase_add_test(core, test_not_tls);
	tcase_add_test(core, test_connection_lost);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_bad_priority);
	tcase_add_test(limits, test_bad_pin);
	tcase_add_test(limits, test_good_pin_forms);
	tcase_add_test(limits, test_cafile_missing);
	tcase_add_test(limits, test_cafile_empty);
	tcase_add_test(limits, test_client_cert_missing);
	tcase_add_test(limits, test_no_servername);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	int rc;

	pki_setup();
	rc = ck_run(tls_suite());
	pki_teardown();
	return rc;
}
