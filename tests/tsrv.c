/*
 * tsrv: the loopback SMTP server of tlsmail's integration tests.
 *
 * It follows a scenario (what to advertise, how to answer, which faults to
 * inject) and logs every byte it reads and writes, before and after TLS, so
 * that tests assert on what crossed the wire rather than on what the client
 * says it did.  It is a test tool: one process, one connection at a time,
 * bound to the loopback address only; it links GnuTLS, not libtlsmail.
 *
 * USAGE
 *   tsrv -s SCENARIO -l LOGFILE -P PORTFILE [-m MSGFILE] [-6] [-n CONNS]
 *
 *   Listens on 127.0.0.1 (::1 with -6), ephemeral port, and writes the port
 *   number and a newline to PORTFILE.tmp.PID, then renames it to PORTFILE,
 *   so that a test polling for PORTFILE never reads half a number.  Serves
 *   CONNS connections (default 1) one after the other, then exits 0.
 *   SIGTERM or SIGINT ends the current connection ("CLOSE signal") and
 *   exits 0.  A safety alarm ends it after 120 s ("CLOSE alarm", exit 3).
 *   Exit 1: run-time failure; exit 2: usage or scenario error (on stderr).
 *
 *   -m MSGFILE: message 1 is written to MSGFILE, message k >= 2 to
 *   MSGFILE.k, numbered across connections.  The bytes go to NAME.part,
 *   renamed to NAME once the message is complete, so NAME exists only for
 *   a complete message.  DATA content is stored un-dot-stuffed (RFC 5321
 *   4.5.2): every byte after the 354 up to, not including, the ".\r\n" of
 *   the terminating CRLF.CRLF (so it ends with the last line's CRLF).  BDAT
 *   content is the chunks' bytes concatenated (RFC 3030 2).
 *
 * SCENARIO (one directive a line; '#' starts a comment anywhere, so write
 * \x23 for a literal '#'; blank lines ignored; TEXT fields take the escapes
 * \r \n \t \\ \xNN)
 *   mode starttls|implicit|plain   default starttls; implicit: handshake
 *                          right after accept; plain: never TLS (STARTTLS
 *                          gets 454 even when advertised)
 *   cert FILE / key FILE   PEM chain (leaf first) and key; needed for TLS
 *   chain-as-is            send cert FILE's certificates in the file's
 *                          order (GnuTLS otherwise sorts the chain), for
 *                          out-of-order chains; the leaf must come first
 *   ocsp FILE              staple this DER OCSP response (RFC 6066 8)
 *                          to the handshake when the client asks, as it
 *                          is: a revoked or stale one is sent too
 *   priority STRING        default "NORMAL:+VERS-TLS1.3"
 *   greeting TEXT          default "220 tsrv.test ESMTP tsrv"; CRLF added
 *   ehlo CAPABILITY        one EHLO line, in order; none by default
 *   ehlo-tls CAPABILITY    the list after TLS; without any, the ehlo list
 *                          minus STARTTLS is used
 *   auth USER PASS         credentials AUTH PLAIN and AUTH LOGIN accept
 *                          (and every mechanism of tsrv_sasl.c: PASS is
 *                          the password of CRAM-MD5 and SCRAM, the bearer
 *                          token of XOAUTH2 and OAUTHBEARER)
 *   sasl iterations N      SCRAM iteration count (default 4096)
 *   sasl salt TEXT         SCRAM salt, raw (default "tsrv salt")
 *   sasl client-ca FILE    request a client certificate and verify it
 *                          against FILE; EXTERNAL accepts a verified one
 *                          as its CN (an authzid, if sent, must equal it)
 *   sasl cb-always         SCRAM: the server supports channel binding
 *                          even when no -PLUS is advertised, so a client's
 *                          "y" flag fails as a downgrade (RFC 5802 6)
 *   sasl fault NAME        scram-bad-signature (wrong ServerSignature),
 *                          scram-no-final (235 right after the client's
 *                          proof), scram-server-error ("e=other-error"),
 *                          scram-bad-base64, scram-wrong-nonce (not
 *                          starting with the client's), scram-iter-zero,
 *                          scram-iter-huge (i=99999999), scram-no-salt
 *                          (server-first messages), oauth-error (OAuth:
 *                          always the JSON error challenge)
 *   The mechanisms of tsrv_sasl.c, served when named in the AUTH line:
 *   CRAM-MD5 (challenge <1896.697170952@tsrv.test>), SCRAM-SHA-1,
 *   SCRAM-SHA-256 and their -PLUS (tls-exporter under TLS 1.3, tls-unique
 *   under TLS 1.2, computed on tsrv's own session and compared with the
 *   client's c=), XOAUTH2 and OAUTHBEARER (a wrong token gets the JSON
 *   error challenge; the client must answer it with an empty line,
 *   respectively a lone ^A, and then gets 535), EXTERNAL.
 *   reply VERB [MATCH] TEXT  the answer to VERB when its argument contains
 *                          MATCH (case-insensitive; no MATCH: any); first
 *                          match wins; TEXT must start with a 3-digit code,
 *                          CRLF is added (write "250-a\r\n250 b" for two
 *                          lines).  VERB "." is the end of data and BDAT
 *                          LAST (a matching "reply BDAT" rule wins there).
 *   fault starttls-inject TEXT        TEXT+CRLF in the same write as the
 *                          220 to STARTTLS
 *   fault starttls-inject-later TEXT  TEXT+CRLF in its own write, 100 ms
 *                          after the 220, before the handshake
 *   fault stall VERB       when VERB arrives, send the replies before it,
 *                          then never answer again (read on until EOF)
 *   fault close VERB       send the replies before it, then close
 *   fault close-mid-data   close once message bytes were read (DATA/BDAT)
 *   fault close-before-final  read the whole message, close without reply
 *   fault raw VERB TEXT    answer VERB with TEXT verbatim (no CRLF added)
 *   fault long-line VERB N answer with one line of N bytes in all:
 *                          "250 " (or "220 "), 'x' * (N - 6), CRLF
 *   fault endless VERB     answer with "250-xxx..." lines until the write
 *                          fails (stops after 4 MiB)
 *   Fault VERBs may also be GREETING (the greeting) and "." (the final
 *   reply to a message).  Faults take precedence over reply rules.  An
 *   answer from the scenario (reply, raw, long-line) lets the command take
 *   effect when its first digit is that of the default answer (for
 *   instance "reply DATA 354 go" starts the data phase, "reply RCPT 550"
 *   does not add a recipient, "reply STARTTLS 220 x" starts TLS).
 *
 * DEFAULT BEHAVIOUR
 *   EHLO: 250 multi-line, "250-tsrv.test" first, then the capabilities;
 *   HELO: "250 tsrv.test"; STARTTLS: 220 then the handshake (502 if not
 *   advertised, 454 without cert or in plain mode), after which all state
 *   is reset (RFC 3207 4.2) and input read with the STARTTLS line is
 *   discarded; AUTH PLAIN [initial] / AUTH LOGIN [initial] (RFC 4954, 334
 *   challenges "" / "VXNlcm5hbWU6" "UGFzc3dvcmQ6", "*" cancels with 501):
 *   235 2.7.0 on an auth line's credentials, 535 5.7.8 otherwise; MAIL:
 *   250 2.1.0; RCPT: 250 2.1.5; DATA: 354, or 554 5.5.1 without an accepted
 *   RCPT; end of data: "250 2.0.0 Ok: queued as TSRV<n>"; BDAT n [LAST]
 *   (only when CHUNKING is advertised): reads n bytes, then "250 2.0.0 <n>
 *   octets received", or the queued reply for LAST, 554 without recipients;
 *   RSET, NOOP: 250 2.0.0 Ok; QUIT: 221 2.0.0 Bye, close_notify under
 *   TLS, then a lingering close (input read and dropped for up to a
 *   second); unknown: 500 5.5.2.  Faults close abruptly.  Session tickets
 *   are issued, so that a later connection may resume (RESUMED).
 *   Protocol errors a correct client never causes: 503 for commands out
 *   of sequence, 501 for syntax, 555 for a MAIL/RCPT parameter whose
 *   extension was not advertised, 552 for SIZE= over the advertised
 *   limit, 500 for lines over 4096 bytes, lines not ending in CRLF, and
 *   NUL or CR inside a line.  A line still unterminated after 65536 bytes
 *   gets 500 and the connection is closed.
 *
 * PIPELINING
 *   Each read is one recv() or gnutls_record_recv().  The command lines
 *   completed by one read are one group (RFC 2920): all are answered in
 *   order and the replies go out in one write at the end of the group.  A
 *   group ends early at DATA (its 354 must go out before the content is
 *   read), STARTTLS, QUIT and faults.  The end of DATA content counts as
 *   the verb "." of the group of the read that completed it; a BDAT's
 *   reply goes out with the group of the read that completed its chunk.
 *
 * LOG (LOGFILE, opened for append; one record a line, flushed per record)
 *   CONNECT <peer-address>        a connection was accepted
 *   C plain|tls <bytes>           what one read returned
 *   S plain|tls <bytes>           what one write sent
 *   G plain|tls <VERB>,<VERB>...  the verbs (uppercased first words) of a
 *                                 group, logged after the group was
 *                                 processed and before its S record;
 *                                 "SASL" is an AUTH response line, "." the
 *                                 end of DATA content
 *   DISCARD plain <bytes>         read with STARTTLS but after it, dropped
 *   TLS <version> <cipher-suite>  handshake done, e.g. "TLS TLS1.3
 *                                 TLS_AES_256_GCM_SHA384"
 *   SNI <name> | SNI -            the server name the client sent, if any
 *   RESUMED                       the handshake resumed a session
 *   TLSFAIL <gnutls error text>   the handshake failed; the text depends on
 *                                 how the client gave up (alert or close)
 *   ALERT <alert name>            ... with this alert from the client
 *   AUTH ok <user> <MECH> | AUTH fail <MECH> | AUTH cancel <MECH>
 *                                 tsrv_sasl.c's mechanisms add why they
 *                                 failed: "AUTH fail <MECH> <why>", why
 *                                 one of proof, digest, token, nonce,
 *                                 cbind, cbind-flag, cbind-type,
 *                                 downgrade, syntax, base64, user,
 *                                 dummy-response, final-response,
 *                                 server-error, no-cert, cert-untrusted,
 *                                 cert-name, authzid, internal
 *   MSG <n> <bytes>               message n was received completely (also
 *                                 when its final reply is a failure or a
 *                                 fault), with its size
 *   CLOSE eof|quit|fault|signal|alarm|error <text>   the end of the
 *                                 connection; under TLS a client that
 *                                 closes without close_notify gets "error
 *                                 The TLS connection was non-properly
 *                                 terminated."
 *   EXIT <status>                 tsrv is about to exit
 *   Bytes and names are escaped so that a record is one line: printable
 *   ASCII as is except backslash; \r \n \t \\; any other byte as \xNN
 *   (two lowercase hex digits).
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "tsrv_sasl.h"

#define TSRV_HOST     "tsrv.test"
#define TSRV_PRIORITY "NORMAL:+VERS-TLS1.3"
#define TSRV_GREETING "220 " TSRV_HOST " ESMTP tsrv"
/* Limits: a command line with its CRLF (RFC 5321 4.5.3.1.4 says 512, the
 * extensions more); input kept while looking for an end of line; one
 * read, at most one TLS record; the long-line and endless faults. */
#define TSRV_CMD_MAX	 4096
#define TSRV_IN_MAX	 65536
#define TSRV_READ_SIZE	 16384
#define TSRV_LONG_MAX	 (16u << 20)
#define TSRV_ENDLESS_MAX (4u << 20)
#define TSRV_ALARM	 120 /* seconds before tsrv gives up */
#define TSRV_INJECT_MS	 100 /* fault starttls-inject-later delay */

static volatile sig_atomic_t tsrv_signal;

/* A growable byte buffer; the caller bounds what it lets in. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (extra > SIZE_MAX / 2 - b->len)
		return -1;
	if (b->len + extra <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int
buf_add(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static void
buf_drop(struct buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/*
 * The log.  Every record is one line, so bytes are escaped; it is flushed
 * per record so that a test reading it after tsrv was killed sees it all.
 */
static void
log_esc(FILE *f, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\\': fputs("\\\\", f); break;
		case '\r': fputs("\\r", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f)
				putc(p[i], f);
			else
				fprintf(f, "\\x%02x", p[i]);
		}
	}
}

static void
log_end(FILE *f)
{
	putc('\n', f);
	fflush(f);
}

/* A record whose text is known to be one printable line. */
static void __attribute__((format(printf, 2, 3)))
log_rec(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	log_end(f);
}

/* "TAG escaped-bytes" */
static void
log_text(FILE *f, const char *tag, const void *p, size_t n)
{
	fputs(tag, f);
	putc(' ', f);
	log_esc(f, p, n);
	log_end(f);
}

/*
 * The scenario.
 */
enum scn_mode { SCN_STARTTLS, SCN_IMPLICIT, SCN_PLAIN };

struct scn_list {
	char **v;
	size_t n;
};

struct scn_cred {
	char *user;
	char *pass;
};

/* "reply VERB [MATCH] TEXT": TEXT already unescaped, CRLF added. */
struct scn_reply {
	char *verb;
	char *match; /* NULL: any argument */
	struct buf text;
};

enum scn_fault_kind {
	FAULT_STALL,
	FAULT_CLOSE,
	FAULT_ANSWER, /* raw, long-line: text is the answer */
	FAULT_ENDLESS
};

struct scn_fault {
	enum scn_fault_kind kind;
	char *verb;
	struct buf text;
};

struct scenario {
	enum scn_mode mode;
	char *cert;
	char *key;
	char *priority;
	struct buf greeting;
	struct scn_list ehlo;
	struct scn_list ehlo_tls;
	int has_ehlo_tls;
	struct scn_cred *creds;
	size_t ncreds;
	struct scn_reply *replies;
	size_t nreplies;
	struct scn_fault *faults;
	size_t nfaults;
	struct buf inject;
	int has_inject;
	int inject_later;
	int close_mid_data;
	int close_before_final;
	struct tsasl_conf *sasl; /* "sasl" lines and credentials, or NULL */
	char *ocsp;	 /* DER OCSP response to staple, or NULL */
	int chain_as_is; /* send the cert file's chain unsorted */
};

/* Returns array V of *N elements of SIZE grown by one zeroed element, or
 * NULL (V unchanged); the caller stores the new array. */
static void *
scn_grow(void *v, size_t *n, size_t size)
{
	char *p;

	if ((p = realloc(v, (*n + 1) * size)) == NULL)
		return NULL;
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

/* Splits off the next blank-separated word of *S. */
static char *
scn_word(char **s)
{
	char *w = *s + strspn(*s, " \t");
	char *e = w + strcspn(w, " \t");

	*s = e + strspn(e, " \t");
	if (*e != '\0')
		*e = '\0';
	return *w ? w : NULL;
}

static void
scn_upcase(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

static int
scn_hex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Expands \r \n \t \\ \xNN of SRC into OUT. */
static int
scn_unescape(const char *src, struct buf *out, const char **why)
{
	char c;

	while ((c = *src++) != '\0') {
		if (c == '\\') {
			switch (*src++) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case 'x':
				if (!isxdigit((unsigned char)src[0]) ||
				    !isxdigit((unsigned char)src[1])) {
					*why = "\\x needs two hex digits";
					return -1;
				}
				c = (char)(scn_hex(src[0]) << 4 |
					   scn_hex(src[1]));
				src += 2;
				break;
			default:
				*why = "unknown escape (\\r \\n \\t "
				       "\\\\ \\xNN)";
				return -1;
			}
		}
		if (buf_add(out, &c, 1) == -1) {
			*why = "out of memory";
			return -1;
		}
	}
	return 0;
}

static int
scn_text(const char *src, struct buf *out, int crlf, const char **why)
{
	out->len = 0;
	if (scn_unescape(src, out, why) == -1)
		return -1;
	if (crlf && buf_add(out, "\r\n", 2) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
scn_strdup(char **dst, const char *src, const char **why)
{
	if (*src == '\0') {
		*why = "missing argument";
		return -1;
	}
	free(*dst);
	if ((*dst = strdup(src)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
scn_list_add(struct scn_list *l, const char *s, const char **why)
{
	char **v;

	if (*s == '\0') {
		*why = "missing capability";
		return -1;
	}
	if ((v = scn_grow(l->v, &l->n, sizeof *l->v)) == NULL ||
	    (v[l->n - 1] = strdup(s)) == NULL) {
		if (v != NULL)
			l->v = v;
		*why = "out of memory";
		return -1;
	}
	l->v = v;
	return 0;
}

static void
scn_list_free(struct scn_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

typedef int scn_fn(struct scenario *, char *, const char **);

static int
scn_kw_mode(struct scenario *scn, char *args, const char **why)
{
	static const char *const modes[] = {"starttls", "implicit", "plain"};
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp(args, modes[i]) == 0) {
			scn->mode = (enum scn_mode)i;
			return 0;
		}
	}
	*why = "mode is starttls, implicit or plain";
	return -1;
}

static int
scn_kw_cert(struct scenario *scn, char *args, const char **why)
{
	return scn_strdup(&scn->cert, args, why);
}

static int
scn_kw_key(struct scenario *scn, char *args, const char **why)
{
	return scn_strdup(&scn->key, args, why);
}

static int
scn_kw_ocsp(struct scenario *scn, char *args, const char **why)
{
	return scn_strdup(&scn->ocsp, args, why);
}

static int
scn_kw_chain_as_is(struct scenario *scn, char *args, const char **why)
{
	if (*args != '\0') {
		*why = "chain-as-is takes no argument";
		return -1;
	}
	scn->chain_as_is = 1;
	return 0;
}

static int
scn_kw_priority(struct scenario *scn, char *args, const char **why)
{
	return scn_strdup(&scn->priority, args, why);
}

static int
scn_kw_greeting(struct scenario *scn, char *args, const char **why)
{
	return scn_text(args, &scn->greeting, 1, why);
}

static int
scn_kw_ehlo(struct scenario *scn, char *args, const char **why)
{
	return scn_list_add(&scn->ehlo, args, why);
}

static int
scn_kw_ehlo_tls(struct scenario *scn, char *args, const char **why)
{
	scn->has_ehlo_tls = 1;
	return scn_list_add(&scn->ehlo_tls, args, why);
}

static int
scn_kw_auth(struct scenario *scn, char *args, const char **why)
{
	char *user = scn_word(&args), *pass = scn_word(&args);
	struct scn_cred *c;

	if (user == NULL || pass == NULL || *args != '\0') {
		*why = "auth USER PASS";
		return -1;
	}
	if ((c = scn_grow(scn->creds, &scn->ncreds, sizeof *c)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	scn->creds = c;
	c += scn->ncreds - 1;
	if ((c->user = strdup(user)) == NULL ||
	    (c->pass = strdup(pass)) == NULL ||
	    tsasl_conf_cred(&scn->sasl, user, pass) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* "sasl ...": the mechanisms of tsrv_sasl.c. */
static int
scn_kw_sasl(struct scenario *scn, char *args, const char **why)
{
	return tsasl_conf_line(&scn->sasl, args, why);
}

/* Whether S starts with a reply code: three digits, then SP, '-', '\\'
 * or the end (RFC 5321 4.2). */
static int
scn_is_code(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) &&
	       (s[3] == '\0' || s[3] == ' ' || s[3] == '-' || s[3] == '\\');
}

static int
scn_kw_reply(struct scenario *scn, char *args, const char **why)
{
	char *verb = scn_word(&args), *match = NULL;
	struct scn_reply *r;

	if (verb != NULL && !scn_is_code(args))
		match = scn_word(&args);
	if (verb == NULL || !scn_is_code(args)) {
		*why = "reply VERB [MATCH] TEXT, TEXT starting with a code";
		return -1;
	}
	if ((r = scn_grow(scn->replies, &scn->nreplies, sizeof *r)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	scn->replies = r;
	r += scn->nreplies - 1;
	if ((r->verb = strdup(verb)) == NULL ||
	    (match != NULL && (r->match = strdup(match)) == NULL)) {
		*why = "out of memory";
		return -1;
	}
	scn_upcase(r->verb);
	return scn_text(args, &r->text, 1, why);
}

static int
scn_none(const char *args, const char **why)
{
	if (*args == '\0')
		return 0;
	*why = "unexpected text after the fault";
	return -1;
}

/* Adds a fault of KIND for the next word of *ARGS. */
static struct scn_fault *
scn_fault_add(struct scenario *scn, enum scn_fault_kind kind, char **args,
	      const char **why)
{
	char *verb = scn_word(args);
	struct scn_fault *f;

	if (verb == NULL) {
		*why = "this fault needs a VERB";
		return NULL;
	}
	if ((f = scn_grow(scn->faults, &scn->nfaults, sizeof *f)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	scn->faults = f;
	f += scn->nfaults - 1;
	if ((f->verb = strdup(verb)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	f->kind = kind;
	scn_upcase(f->verb);
	return f;
}

static int
scn_f_inject(struct scenario *scn, char *args, const char **why)
{
	scn->has_inject = 1;
	return scn_text(args, &scn->inject, 1, why);
}

static int
scn_f_inject_later(struct scenario *scn, char *args, const char **why)
{
	scn->inject_later = 1;
	return scn_f_inject(scn, args, why);
}

static int
scn_f_stall(struct scenario *scn, char *args, const char **why)
{
	if (scn_fault_add(scn, FAULT_STALL, &args, why) == NULL)
		return -1;
	return scn_none(args, why);
}

static int
scn_f_close(struct scenario *scn, char *args, const char **why)
{
	if (scn_fault_add(scn, FAULT_CLOSE, &args, why) == NULL)
		return -1;
	return scn_none(args, why);
}

static int
scn_f_endless(struct scenario *scn, char *args, const char **why)
{
	if (scn_fault_add(scn, FAULT_ENDLESS, &args, why) == NULL)
		return -1;
	return scn_none(args, why);
}

static int
scn_f_mid_data(struct scenario *scn, char *args, const char **why)
{
	scn->close_mid_data = 1;
	return scn_none(args, why);
}

static int
scn_f_before_final(struct scenario *scn, char *args, const char **why)
{
	scn->close_before_final = 1;
	return scn_none(args, why);
}

static int
scn_f_raw(struct scenario *scn, char *args, const char **why)
{
	struct scn_fault *f = scn_fault_add(scn, FAULT_ANSWER, &args, why);

	return f ? scn_text(args, &f->text, 0, why) : -1;
}

static int
scn_f_long_line(struct scenario *scn, char *args, const char **why)
{
	struct scn_fault *f = scn_fault_add(scn, FAULT_ANSWER, &args, why);
	char *end;
	unsigned long n;

	if (f == NULL)
		return -1;
	n = strtoul(args, &end, 10);
	if (!isdigit((unsigned char)*args) || *end != '\0' || n < 6 ||
	    n > TSRV_LONG_MAX) {
		*why = "long-line VERB N, 6 <= N <= 16777216";
		return -1;
	}
	if (buf_reserve(&f->text, n) == -1) {
		*why = "out of memory";
		return -1;
	}
	memcpy(f->text.p, strcmp(f->verb, "GREETING") ? "250 " : "220 ", 4);
	memset(f->text.p + 4, 'x', n - 6);
	memcpy(f->text.p + n - 2, "\r\n", 2);
	f->text.len = n;
	return 0;
}

struct scn_keyword {
	const char *name;
	scn_fn *fn;
};

/* clang-format off */
static const struct scn_keyword scn_faults[] = {
	{ "starttls-inject",		scn_f_inject },
	{ "starttls-inject-later",	scn_f_inject_later },
	{ "stall",			scn_f_stall },
	{ "close",			scn_f_close },
	{ "close-mid-data",		scn_f_mid_data },
	{ "close-before-final",		scn_f_before_final },
	{ "raw",			scn_f_raw },
	{ "long-line",			scn_f_long_line },
	{ "endless",			scn_f_endless },
};
/* clang-format on */

static const struct scn_keyword *
scn_keyword_find(const struct scn_keyword *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static int
scn_kw_fault(struct scenario *scn, char *args, const char **why)
{
	char *kind = scn_word(&args);
	const struct scn_keyword *k;

	k = scn_keyword_find(scn_faults,
			     sizeof scn_faults / sizeof scn_faults[0],
			     kind ? kind : "");
	if (k == NULL) {
		*why = "unknown fault";
		return -1;
	}
	return k->fn(scn, args, why);
}

/* clang-format off */
static const struct scn_keyword scn_keywords[] = {
	{ "mode",	scn_kw_mode },
	{ "cert",	scn_kw_cert },
	{ "key",	scn_kw_key },
	{ "ocsp",	scn_kw_ocsp },
	{ "chain-as-is", scn_kw_chain_as_is },
	{ "priority",	scn_kw_priority },
	{ "greeting",	scn_kw_greeting },
	{ "ehlo",	scn_kw_ehlo },
	{ "ehlo-tls",	scn_kw_ehlo_tls },
	{ "auth",	scn_kw_auth },
	{ "sasl",	scn_kw_sasl },
	{ "reply",	scn_kw_reply },
	{ "fault",	scn_kw_fault },
};
/* clang-format on */

/* One scenario line, comment and surrounding blanks included. */
static int
scn_line(struct scenario *scn, char *line, const char **why)
{
	const struct scn_keyword *k;
	char *word, *end;

	line[strcspn(line, "#")] = '\0';
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if ((word = scn_word(&line)) == NULL)
		return 0;
	k = scn_keyword_find(
	    scn_keywords, sizeof scn_keywords / sizeof scn_keywords[0], word);
	if (k == NULL) {
		*why = "unknown directive";
		return -1;
	}
	return k->fn(scn, line, why);
}

/* Defaults and cross-checks once the whole file is read. */
static int
scn_finish(struct scenario *scn, const char **why)
{
	size_t i;

	if (scn->priority == NULL &&
	    scn_strdup(&scn->priority, TSRV_PRIORITY, why) == -1)
		return -1;
	if (scn->greeting.len == 0 &&
	    scn_text(TSRV_GREETING, &scn->greeting, 1, why) == -1)
		return -1;
	for (i = 0; !scn->has_ehlo_tls && i < scn->ehlo.n; i++) {
		if (strcasecmp(scn->ehlo.v[i], "STARTTLS") != 0 &&
		    scn_list_add(&scn->ehlo_tls, scn->ehlo.v[i], why) == -1)
			return -1;
	}
	if (!scn->cert != !scn->key) {
		*why = "cert and key go together";
		return -1;
	}
	if (scn->mode == SCN_IMPLICIT && scn->cert == NULL) {
		*why = "mode implicit needs cert and key";
		return -1;
	}
	return 0;
}

static void
scn_free(struct scenario *scn)
{
	size_t i;

	for (i = 0; i < scn->ncreds; i++) {
		free(scn->creds[i].user);
		free(scn->creds[i].pass);
	}
	for (i = 0; i < scn->nreplies; i++) {
		free(scn->replies[i].verb);
		free(scn->replies[i].match);
		buf_free(&scn->replies[i].text);
	}
	for (i = 0; i < scn->nfaults; i++) {
		free(scn->faults[i].verb);
		buf_free(&scn->faults[i].text);
	}
	free(scn->creds);
	free(scn->replies);
	free(scn->faults);
	free(scn->cert);
	free(scn->key);
	free(scn->ocsp);
	tsasl_conf_free(scn->sasl);
	free(scn->priority);
	buf_free(&scn->greeting);
	buf_free(&scn->inject);
	scn_list_free(&scn->ehlo);
	scn_list_free(&scn->ehlo_tls);
}

/* Reads PATH; on failure prints "PATH:LINE: why" and returns -1. */
static int
scn_load(struct scenario *scn, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	const char *why = NULL;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "tsrv: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) != -1) {
		lineno++;
		rc = scn_line(scn, line, &why);
	}
	if (rc == 0 && ferror(f)) {
		why = strerror(errno);
		rc = -1;
	}
	if (rc == -1)
		fprintf(stderr, "tsrv: %s:%u: %s\n", path, lineno, why);
	else if ((rc = scn_finish(scn, &why)) == -1)
		fprintf(stderr, "tsrv: %s: %s\n", path, why);
	free(line);
	fclose(f);
	return rc;
}

static const struct scn_fault *
scn_fault_find(const struct scenario *scn, const char *verb)
{
	size_t i;

	for (i = 0; i < scn->nfaults; i++)
		if (strcmp(scn->faults[i].verb, verb) == 0)
			return &scn->faults[i];
	return NULL;
}

static const struct buf *
scn_reply_find(const struct scenario *scn, const char *verb, const char *arg)
{
	const struct scn_reply *r;
	size_t i;

	for (i = 0; i < scn->nreplies; i++) {
		r = &scn->replies[i];
		if (strcmp(r->verb, verb) == 0 &&
		    (r->match == NULL || strcasestr(arg, r->match) != NULL))
			return &r->text;
	}
	return NULL;
}

/*
 * The server: what lives across connections.
 */
struct server {
	struct scenario scn;
	FILE *log;
	const char *msgpath;
	unsigned nmsg;			       /* messages so far */
	gnutls_certificate_credentials_t cred; /* NULL without cert */
	gnutls_priority_t prio;
	gnutls_datum_t ticket;
	sigset_t waitmask;
};

static void
on_signal(int sig)
{
	tsrv_signal = sig;
}

/*
 * Waits until FD (-1: none) is ready for EVENTS, for at most MS
 * milliseconds (-1: no limit); returns 0 on timeout, 1 when ready.  The
 * signals that stop tsrv are blocked everywhere else, so one that arrives
 * at any moment is seen here: no window between a check and a block.
 * Returns -1 with errno EINTR when one arrived.
 */
static int
tsrv_wait(const struct server *srv, int fd, short events, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	int n;

	for (;;) {
		n = ppoll(&pfd, fd >= 0, ms >= 0 ? &ts : NULL, &srv->waitmask);
		if (n >= 0)
			return n > 0;
		if (errno != EINTR || tsrv_signal)
			return -1;
	}
}

/*
 * The transport: a non-blocking socket, plain or under a GnuTLS session.
 * Every read and every write is logged here, with its phase.
 */
struct conn {
	struct server *srv;
	int fd;
	gnutls_session_t tls; /* NULL while plain */
	int tls_up;
	char why[256]; /* CLOSE reason */
};

static const char *
conn_phase(const struct conn *c)
{
	return c->tls_up ? "tls" : "plain";
}

static int
conn_fail(struct conn *c, const char *what)
{
	if (tsrv_signal)
		snprintf(c->why, sizeof c->why, "%s",
			 tsrv_signal == SIGALRM ? "alarm" : "signal");
	else
		snprintf(c->why, sizeof c->why, "error %s", what);
	return -1;
}

/* After an I/O call returned RET < 0: waits when it would have blocked.
 * Returns 0 to retry, -1 with c->why set when the failure is final. */
static int
conn_retry(struct conn *c, ssize_t ret, int out)
{
	short ev;

	if (c->tls == NULL) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return conn_fail(c, strerror(errno));
		ev = out ? POLLOUT : POLLIN;
	} else if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		ev = gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN;
	} else if (!gnutls_error_is_fatal((int)ret)) {
		return 0;
	} else {
		return conn_fail(c, gnutls_strerror((int)ret));
	}
	if (tsrv_wait(c->srv, c->fd, ev, -1) == -1)
		return conn_fail(c, strerror(errno));
	return 0;
}

/* One read into IN: returns the byte count, 0 at EOF, -1 on failure. */
static ssize_t
conn_read(struct conn *c, struct buf *in)
{
	ssize_t n;

	if (buf_reserve(in, TSRV_READ_SIZE) == -1)
		return conn_fail(c, "out of memory");
	for (;;) {
		if (c->tls != NULL)
			n = gnutls_record_recv(c->tls, in->p + in->len,
					       TSRV_READ_SIZE);
		else
			n = recv(c->fd, in->p + in->len, TSRV_READ_SIZE, 0);
		if (n >= 0)
			break;
		if (conn_retry(c, n, 0) == -1)
			return -1;
	}
	if (n > 0) {
		fprintf(c->srv->log, "C %s ", conn_phase(c));
		log_esc(c->srv->log, in->p + in->len, (size_t)n);
		log_end(c->srv->log);
		in->len += (size_t)n;
	}
	return n;
}

/* Writes all of P, logged as one S record of what was actually sent. */
static int
conn_write(struct conn *c, const void *p, size_t len)
{
	const char *s = p;
	size_t done = 0;
	ssize_t n;
	int rc = 0;

	while (done < len) {
		if (c->tls != NULL)
			n = gnutls_record_send(c->tls, s + done, len - done);
		else
			n = send(c->fd, s + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
		} else if (n == 0) {
			rc = conn_fail(c, "write returned 0");
			break;
		} else if (conn_retry(c, n, 1) == -1) {
			rc = -1;
			break;
		}
	}
	if (done > 0) {
		fprintf(c->srv->log, "S %s ", conn_phase(c));
		log_esc(c->srv->log, s, done);
		log_end(c->srv->log);
	}
	return rc;
}

static const char *
conn_suite(gnutls_session_t t)
{
#if GNUTLS_VERSION_NUMBER >= 0x030704
	const char *s = gnutls_ciphersuite_get(t);
#else
	const char *s = gnutls_cipher_get_name(gnutls_cipher_get(t));
#endif
	return s ? s : "unknown";
}

/* The server name the client asked for (RFC 6066 3), "-" for none. */
static void
conn_log_sni(struct conn *c)
{
	FILE *f = c->srv->log;
	char *name = NULL;
	size_t len = 0;
	unsigned type = 0;
	int ret;

	ret = gnutls_server_name_get(c->tls, NULL, &len, &type, 0);
	if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER && type == GNUTLS_NAME_DNS)
		name = malloc(++len);
	if (name != NULL &&
	    gnutls_server_name_get(c->tls, name, &len, &type, 0) == 0)
		log_text(f, "SNI", name, strlen(name));
	else
		log_rec(f, "SNI -");
	free(name);
}

/* The facts a test asserts on: version, suite, SNI, resumption. */
static void
conn_log_tls(struct conn *c)
{
	const char *v;

	v = gnutls_protocol_get_name(gnutls_protocol_get_version(c->tls));
	log_rec(c->srv->log, "TLS %s %s", v ? v : "unknown",
		conn_suite(c->tls));
	conn_log_sni(c);
	if (gnutls_session_is_resumed(c->tls))
		log_rec(c->srv->log, "RESUMED");
}

static int
conn_tls_fail(struct conn *c, int ret)
{
	FILE *f = c->srv->log;

	if (tsrv_signal)
		return -1; /* stopped, not a TLS failure */
	log_rec(f, "TLSFAIL %s", gnutls_strerror(ret));
	if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    ret == GNUTLS_E_WARNING_ALERT_RECEIVED)
		log_rec(f, "ALERT %s",
			gnutls_alert_get_name(gnutls_alert_get(c->tls)));
	else
		gnutls_alert_send_appropriate(c->tls, ret);
	return -1;
}

/* Server side of the handshake over the socket (RFC 3207 4, RFC 8314 3). */
static int
conn_start_tls(struct conn *c)
{
	struct server *srv = c->srv;
	int ret;

	if ((ret = gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK)) < 0) {
		c->tls = NULL;
		return conn_fail(c, gnutls_strerror(ret));
	}
	ret = gnutls_priority_set(c->tls, srv->prio);
	if (ret >= 0)
		ret = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
					     srv->cred);
	if (ret >= 0)
		ret = gnutls_session_ticket_enable_server(c->tls, &srv->ticket);
	if (ret < 0)
		return conn_fail(c, gnutls_strerror(ret));
	gnutls_certificate_server_set_request(
	    c->tls, tsasl_cert_request(srv->scn.sasl));
	gnutls_transport_set_int(c->tls, c->fd);
	while ((ret = gnutls_handshake(c->tls)) < 0) {
		if (conn_retry(c, ret, 0) == -1)
			return conn_tls_fail(c, ret);
	}
	c->tls_up = 1;
	conn_log_tls(c);
	return 0;
}

/*
 * A lingering close: what the client still sends (its close_notify, a
 * command after QUIT) is read and dropped for a moment, so that closing
 * with unread input does not reset the connection before the client has
 * read our last reply.
 */
static void
conn_drain(struct conn *c)
{
	char junk[4096];
	ssize_t n;
	int i;

	shutdown(c->fd, SHUT_WR);
	for (i = 0; i < 10; i++) {
		if (tsrv_wait(c->srv, c->fd, POLLIN, 100) <= 0)
			return;
		n = recv(c->fd, junk, sizeof junk, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return;
	}
}

/* GRACEFUL (after QUIT): close_notify first, then a lingering close. */
static void
conn_close(struct conn *c, int graceful)
{
	int ret;

	if (c->tls != NULL && c->tls_up && graceful) {
		while ((ret = gnutls_bye(c->tls, GNUTLS_SHUT_WR)) < 0 &&
		       conn_retry(c, ret, 1) == 0)
			;
	}
	if (graceful)
		conn_drain(c);
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	close(c->fd);
	c->fd = -1;
}

/*
 * One connection: the SMTP session.
 */
enum sess_state {
	SS_CMD,	  /* reading command lines */
	SS_SASL,  /* reading an AUTH response (RFC 4954 4) */
	SS_DATA,  /* reading DATA content up to CRLF.CRLF */
	SS_BDAT,  /* reading the bytes of a BDAT chunk */
	SS_STALL, /* reading, never answering (fault stall) */
	SS_END	  /* done: close */
};

enum sasl_step { SASL_PLAIN, SASL_LOGIN_USER, SASL_LOGIN_PASS };

/* Where DATA content is, for un-dot-stuffing (RFC 5321 4.5.2). */
enum data_state {
	DS_BOL, /* at the start of a line */
	DS_TEXT,
	DS_CR,	 /* after a CR */
	DS_DOT,	 /* after a dot at the start of a line */
	DS_DOTCR /* after ".\r" at the start of a line */
};

struct msg_sink {
	int open;
	FILE *f; /* NULL without -m */
	char *path;
	char *part;
	unsigned long long size;
};

struct session {
	struct server *srv;
	struct conn c;
	struct buf in;
	struct buf out;	  /* the current group's replies */
	struct buf group; /* its verbs, with commas */
	unsigned nverbs;  /* in the group */
	enum sess_state st;
	char why[300]; /* the CLOSE reason */
	int bye;       /* close gracefully (QUIT) */
	int greeted;
	int ehlo;
	int authed;
	int mail;	/* a MAIL was accepted */
	unsigned rcpts; /* RCPTs accepted since */
	int bdat;	/* BDAT used in this MAIL */
	int bdat_failed;
	int bdat_ok;
	int bdat_last;
	unsigned long long bdat_left;
	unsigned long long bdat_size; /* of the current chunk */
	const struct buf *bdat_answer;
	enum sasl_step sasl;
	struct buf sasl_user;
	struct tsasl *xsasl; /* a tsrv_sasl.c exchange, or NULL */
	enum data_state ds;
	struct msg_sink msg;
};

static void __attribute__((format(printf, 2, 3)))
session_end(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->st == SS_END)
		return;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	s->st = SS_END;
}

static void
session_put(struct session *s, const void *p, size_t n)
{
	if (buf_add(&s->out, p, n) == -1)
		session_end(s, "error out of memory");
}

/* Queues one reply line; CRLF is added. */
static void __attribute__((format(printf, 2, 3)))
session_reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(&s->out, (size_t)n + 3) == -1) {
		session_end(s, "error out of memory");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s->out.p + s->out.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	memcpy(s->out.p + s->out.len + n, "\r\n", 2);
	s->out.len += (size_t)n + 2;
}

/*
 * Queues the scenario's ANSWER if there is one, else DFLT.  Returns 1 when
 * what was queued has the first digit of DFLT: the command takes effect.
 */
static int
session_answer(struct session *s, const struct buf *answer, const char *dflt)
{
	if (answer == NULL) {
		session_reply(s, "%s", dflt);
		return 1;
	}
	session_put(s, answer->p, answer->len);
	return answer->len > 0 && answer->p[0] == dflt[0];
}

/* Ends the group: logs its verbs, sends its replies in one write. */
static void
session_flush(struct session *s)
{
	FILE *f = s->srv->log;

	if (s->nverbs > 0) {
		fprintf(f, "G %s ", conn_phase(&s->c));
		log_esc(f, s->group.p, s->group.len);
		log_end(f);
		s->group.len = 0;
		s->nverbs = 0;
	}
	if (s->out.len > 0) {
		if (conn_write(&s->c, s->out.p, s->out.len) == -1)
			session_end(s, "%s", s->c.why);
		s->out.len = 0;
	}
}

static void
session_group_add(struct session *s, const char *verb, size_t n)
{
	if ((s->nverbs++ > 0 && buf_add(&s->group, ",", 1) == -1) ||
	    buf_add(&s->group, verb, n) == -1)
		session_end(s, "error out of memory");
}

/* The capabilities offered now (RFC 3207 4.2: they may change with TLS). */
static const struct scn_list *
session_caps(const struct session *s)
{
	return s->c.tls_up ? &s->srv->scn.ehlo_tls : &s->srv->scn.ehlo;
}

/* The advertised line of extension NAME, NULL if not offered (RFC 5321
 * 4.1.1.1: only EHLO offers extensions). */
static const char *
session_cap(const struct session *s, const char *name)
{
	const struct scn_list *l = session_caps(s);
	size_t i, n = strlen(name);

	for (i = 0; s->ehlo && i < l->n; i++) {
		if (strncasecmp(l->v[i], name, n) == 0 &&
		    (l->v[i][n] == '\0' || l->v[i][n] == ' '))
			return l->v[i];
	}
	return NULL;
}

/*
 * The message being received, streamed to its file.
 */
static void
msg_free(struct msg_sink *m)
{
	free(m->path);
	free(m->part);
	memset(m, 0, sizeof *m);
}

static int
msg_begin(struct session *s)
{
	struct msg_sink *m = &s->msg;
	const char *base = s->srv->msgpath;
	unsigned n = s->srv->nmsg + 1;
	int rc;

	m->open = 1;
	m->size = 0;
	if (base == NULL)
		return 0;
	rc = n == 1 ? asprintf(&m->path, "%s", base)
		    : asprintf(&m->path, "%s.%u", base, n);
	if (rc == -1)
		m->path = NULL;
	else if (asprintf(&m->part, "%s.part", m->path) == -1)
		m->part = NULL;
	if (m->part == NULL) {
		msg_free(m);
		session_end(s, "error out of memory");
		return -1;
	}
	if ((m->f = fopen(m->part, "w")) == NULL) {
		session_end(s, "error %s: %s", m->part, strerror(errno));
		msg_free(m);
		return -1;
	}
	return 0;
}

static void
msg_put(struct session *s, const void *p, size_t n)
{
	if (s->msg.f != NULL)
		fwrite(p, 1, n, s->msg.f);
	s->msg.size += n;
}

static void
msg_abort(struct session *s)
{
	struct msg_sink *m = &s->msg;

	if (m->f != NULL) {
		fclose(m->f);
		unlink(m->part);
	}
	msg_free(m);
}

/* The message is complete: it gets its number and its final name. */
static int
msg_finish(struct session *s)
{
	struct msg_sink *m = &s->msg;
	int rc = 0;

	if (m->f != NULL) {
		rc = ferror(m->f) ? -1 : 0;
		if (fclose(m->f) != 0)
			rc = -1;
		m->f = NULL;
		if (rc == 0)
			rc = rename(m->part, m->path);
		if (rc != 0) {
			session_end(s, "error %s: %s", m->part,
				    strerror(errno));
			unlink(m->part);
		}
	}
	if (rc == 0)
		log_rec(s->srv->log, "MSG %u %llu", ++s->srv->nmsg, m->size);
	msg_free(m);
	return rc;
}

/* RSET, EHLO, the end of a message: no mail transaction (RFC 5321 4.1.4). */
static void
session_txn_reset(struct session *s)
{
	s->mail = 0;
	s->rcpts = 0;
	s->bdat = 0;
	s->bdat_failed = 0;
	msg_abort(s);
}

static void
session_hello(struct session *s, int ehlo)
{
	s->greeted = 1;
	s->ehlo = ehlo;
	session_txn_reset(s);
}

/*
 * Faults that take over the connection.
 */
static void
session_endless(struct session *s, const char *code)
{
	struct buf block = {0};
	size_t i, sent = 0;
	char line[76]; /* "250-", 70 'x', CRLF */

	session_flush(s);
	memcpy(line, code, 3);
	line[3] = '-';
	memset(line + 4, 'x', 70);
	memcpy(line + 74, "\r\n", 2);
	for (i = 0; i < 64; i++) {
		if (buf_add(&block, line, sizeof line) == -1)
			break;
	}
	while (s->st != SS_END && block.len > 0 && sent < TSRV_ENDLESS_MAX &&
	       conn_write(&s->c, block.p, block.len) == 0)
		sent += block.len;
	buf_free(&block);
	session_end(s, "fault");
}

/* Carries out fault F met instead of a reply starting with CODE; returns 1
 * when it replaces the command altogether. */
static int
session_fault(struct session *s, const struct scn_fault *f, const char *code)
{
	switch (f->kind) {
	case FAULT_STALL:
		session_flush(s);
		if (s->st != SS_END)
			s->st = SS_STALL;
		return 1;
	case FAULT_CLOSE:
		session_flush(s);
		session_end(s, "fault");
		return 1;
	case FAULT_ENDLESS: session_endless(s, code); return 1;
	case FAULT_ANSWER: break;
	}
	return 0;
}

/* The final reply to a whole message (RFC 5321 4.1.1.4, RFC 3030 2). */
static void
session_message_done(struct session *s, const struct buf *answer)
{
	const struct scenario *scn = &s->srv->scn;
	const struct scn_fault *f = scn_fault_find(scn, ".");
	char dflt[64];

	if (msg_finish(s) == -1)
		return;
	session_txn_reset(s);
	if (scn->close_before_final) {
		session_flush(s);
		session_end(s, "fault");
		return;
	}
	if (f != NULL && session_fault(s, f, "250"))
		return;
	if (f != NULL)
		answer = &f->text;
	else if (answer == NULL)
		answer = scn_reply_find(scn, ".", "");
	snprintf(dflt, sizeof dflt, "250 2.0.0 Ok: queued as TSRV%u",
		 s->srv->nmsg);
	session_answer(s, answer, dflt);
}

/*
 * DATA content, un-dot-stuffed on the fly (RFC 5321 4.5.2): a leading dot
 * is dropped, and a line that is only a dot ends the content.  Returns 1 at
 * that end.
 */
static int
data_feed(struct session *s, char c)
{
	enum data_state prev = s->ds;

	switch (prev) {
	case DS_BOL:
		if (c == '.') {
			s->ds = DS_DOT;
			return 0;
		}
		break;
	case DS_DOT:
		if (c == '\r') {
			s->ds = DS_DOTCR;
			return 0;
		}
		break;
	case DS_DOTCR:
		if (c == '\n')
			return 1;
		msg_put(s, "\r", 1);
		prev = DS_CR;
		break;
	default: break;
	}
	msg_put(s, &c, 1);
	if (c == '\r')
		s->ds = DS_CR;
	else if (c == '\n' && prev == DS_CR)
		s->ds = DS_BOL;
	else
		s->ds = DS_TEXT;
	return 0;
}

/* Feeds the input to data_feed; inside a line, up to the next CR, nothing
 * can change the state, so such runs are stored at once. */
static int
session_data(struct session *s)
{
	const char *p = s->in.p, *cr;
	size_t i = 0, run;
	int end = 0;

	while (i < s->in.len && !end) {
		if (s->ds == DS_TEXT) {
			cr = memchr(p + i, '\r', s->in.len - i);
			run = cr ? (size_t)(cr - p) - i : s->in.len - i;
			msg_put(s, p + i, run);
			if ((i += run) == s->in.len)
				break;
		}
		end = data_feed(s, p[i++]);
	}
	buf_drop(&s->in, i);
	if (i > 0 && s->srv->scn.close_mid_data) {
		msg_abort(s);
		session_flush(s);
		session_end(s, "fault");
		return 0;
	}
	if (!end)
		return 0;
	s->st = SS_CMD;
	session_group_add(s, ".", 1);
	session_message_done(s, NULL);
	return 1;
}

static const char *
bdat_refusal(const struct session *s)
{
	if (!s->mail)
		return "503 5.5.1 Error: need MAIL command";
	if (s->rcpts == 0)
		return "554 5.5.1 Error: no valid recipients";
	return "554 5.5.0 Error: an earlier chunk was refused";
}

/* The chunk is in: its reply (RFC 3030 2: one per BDAT). */
static void
session_bdat_done(struct session *s)
{
	char dflt[64];

	s->st = SS_CMD;
	if (!s->bdat_ok) {
		session_answer(s, s->bdat_answer, bdat_refusal(s));
		if (s->bdat_last)
			session_txn_reset(s);
		return;
	}
	if (s->bdat_last) {
		session_message_done(s, s->bdat_answer);
		return;
	}
	snprintf(dflt, sizeof dflt, "250 2.0.0 %llu octets received",
		 s->bdat_size);
	if (!session_answer(s, s->bdat_answer, dflt)) {
		s->bdat_failed = 1;
		msg_abort(s);
	}
}

static int
session_bdat(struct session *s)
{
	size_t n = s->in.len;

	if (n > s->bdat_left)
		n = (size_t)s->bdat_left;
	if (n > 0) {
		if (s->msg.open)
			msg_put(s, s->in.p, n);
		buf_drop(&s->in, n);
		s->bdat_left -= n;
		if (s->srv->scn.close_mid_data) {
			msg_abort(s);
			session_flush(s);
			session_end(s, "fault");
			return 0;
		}
	}
	if (s->bdat_left > 0)
		return 0;
	session_bdat_done(s);
	return 1;
}

/*
 * AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN.
 */
static int
b64_decode(const char *in, struct buf *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = strlen(in), pad = 0;
	unsigned long acc = 0;
	const char *p;
	int bits = 0;
	char byte;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '=' && i + 2 >= n) {
			pad++;
			continue;
		}
		if (pad > 0 || (p = strchr(abc, in[i])) == NULL)
			return -1;
		acc = acc << 6 | (unsigned long)(p - abc);
		if ((bits += 6) >= 8) {
			bits -= 8;
			byte = (char)(acc >> bits & 0xff);
			if (buf_add(out, &byte, 1) == -1)
				return -1;
		}
	}
	return 0;
}

static const char *
sasl_mech(const struct session *s)
{
	return s->sasl == SASL_PLAIN ? "PLAIN" : "LOGIN";
}

static void
sasl_check(struct session *s, const char *user, size_t ulen, const char *pass,
	   size_t plen)
{
	const struct scenario *scn = &s->srv->scn;
	FILE *f = s->srv->log;
	size_t i;

	for (i = 0; i < scn->ncreds; i++) {
		if (strlen(scn->creds[i].user) == ulen &&
		    strlen(scn->creds[i].pass) == plen &&
		    memcmp(scn->creds[i].user, user, ulen) == 0 &&
		    memcmp(scn->creds[i].pass, pass, plen) == 0)
			break;
	}
	if (i == scn->ncreds) {
		log_rec(f, "AUTH fail %s", sasl_mech(s));
		session_reply(s, "535 5.7.8 Error: authentication failed");
		return;
	}
	fputs("AUTH ok ", f);
	log_esc(f, user, ulen);
	log_rec(f, " %s", sasl_mech(s));
	session_reply(s, "235 2.7.0 Authentication successful");
	s->authed = 1;
}

/* RFC 4616 2: [authzid] NUL authcid NUL passwd. */
static void
sasl_plain(struct session *s, const struct buf *raw)
{
	const char *user, *pass, *end = raw->p + raw->len;

	user = raw->len ? memchr(raw->p, '\0', raw->len) : NULL;
	pass = user ? memchr(user + 1, '\0', (size_t)(end - user - 1)) : NULL;
	if (pass == NULL) {
		log_rec(s->srv->log, "AUTH fail PLAIN");
		session_reply(s, "501 5.5.2 Error: malformed PLAIN response");
		return;
	}
	user++;
	sasl_check(s, user, (size_t)(pass - user), pass + 1,
		   (size_t)(end - pass - 1));
}

/* What tsrv_sasl.c answered: the reply, the log record, the state. */
static void
sasl_x_answer(struct session *s, struct tsasl_out *o)
{
	FILE *f = s->srv->log;

	session_reply(s, "%s", o->reply ? o->reply : "454 4.7.0 Try again");
	free(o->reply);
	s->st = o->st == TSASL_MORE ? SS_SASL : SS_CMD;
	if (o->st == TSASL_MORE)
		return;
	if (o->st == TSASL_OK) {
		fputs("AUTH ok ", f);
		log_esc(f, o->who, strlen(o->who));
		log_rec(f, " %s", o->mech);
		s->authed = 1;
	} else if (o->st == TSASL_CANCEL) {
		log_rec(f, "AUTH cancel %s", o->mech);
	} else {
		log_rec(f, "AUTH fail %s %s", o->mech, o->why ? o->why : "");
	}
	tsasl_free(s->xsasl);
	s->xsasl = NULL;
}

/* One client response, initial or on its own line (RFC 4954 4). */
static void
sasl_input(struct session *s, const char *text)
{
	struct buf raw = {0};
	struct tsasl_out o;

	if (s->xsasl != NULL) {
		tsasl_input(s->xsasl, text, &o);
		sasl_x_answer(s, &o);
		return;
	}
	s->st = SS_CMD;
	if (strcmp(text, "*") == 0) {
		log_rec(s->srv->log, "AUTH cancel %s", sasl_mech(s));
		session_reply(s, "501 5.7.0 Authentication cancelled");
	} else if (strcmp(text, "=") != 0 && b64_decode(text, &raw) == -1) {
		log_rec(s->srv->log, "AUTH fail %s", sasl_mech(s));
		session_reply(s, "501 5.5.2 Error: cannot decode response");
	} else if (s->sasl == SASL_PLAIN) {
		sasl_plain(s, &raw);
	} else if (s->sasl == SASL_LOGIN_USER) {
		buf_free(&s->sasl_user);
		s->sasl_user = raw;
		memset(&raw, 0, sizeof raw);
		s->sasl = SASL_LOGIN_PASS;
		s->st = SS_SASL;
		session_reply(s, "334 UGFzc3dvcmQ6");
	} else {
		sasl_check(s, s->sasl_user.p, s->sasl_user.len, raw.p, raw.len);
	}
	if (raw.p != NULL)
		gnutls_memset(raw.p, 0, raw.cap);
	buf_free(&raw);
}

static int
word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	list += strcspn(list, " ");
	while (*list == ' ') {
		list++;
		if (strncasecmp(list, word, n) == 0 &&
		    (list[n] == '\0' || list[n] == ' '))
			return 1;
		list += strcspn(list, " ");
	}
	return 0;
}

static const char *
auth_check(const struct session *s, const char *mech)
{
	const char *cap;

	if (!s->ehlo)
		return "503 5.5.1 Error: send EHLO first";
	if (s->authed)
		return "503 5.5.1 Error: already authenticated";
	if (s->mail)
		return "503 5.5.1 Error: MAIL transaction in progress";
	if ((cap = session_cap(s, "AUTH")) == NULL)
		return "503 5.5.1 Error: authentication not enabled";
	if (!word_in(cap, mech) ||
	    (strcasecmp(mech, "PLAIN") != 0 && strcasecmp(mech, "LOGIN") != 0 &&
	     !tsasl_knows(mech)))
		return "504 5.5.4 Unrecognized authentication type";
	return NULL;
}

/*
 * MAIL and RCPT: path syntax and parameters, checked against what was
 * advertised (RFC 5321 4.1.1.11: 555 for an unknown parameter).
 */
enum { P_MAIL, P_RCPT };

/* clang-format off */
static const struct param {
	const char	*key;
	const char	*cap;
	int		 where;
} params[] = {
	{ "SIZE",	"SIZE",		P_MAIL },	/* RFC 1870 */
	{ "BODY",	"8BITMIME",	P_MAIL },	/* RFC 6152 */
	{ "SMTPUTF8",	"SMTPUTF8",	P_MAIL },	/* RFC 6531 */
	{ "AUTH",	"AUTH",		P_MAIL },	/* RFC 4954 */
	{ "RET",	"DSN",		P_MAIL },	/* RFC 3461 */
	{ "ENVID",	"DSN",		P_MAIL },
	{ "REQUIRETLS",	"REQUIRETLS",	P_MAIL },	/* 8689 */
	{ "NOTIFY",	"DSN",		P_RCPT },
	{ "ORCPT",	"DSN",		P_RCPT },
};
/* clang-format on */

static const char *
param_check(const struct session *s, char *kv, int where)
{
	char *val = strchr(kv, '=');
	const char *cap;
	size_t i, klen = val ? (size_t)(val - kv) : strlen(kv);
	unsigned long long limit;

	for (i = 0; i < sizeof params / sizeof params[0]; i++) {
		if (params[i].where == where && strlen(params[i].key) == klen &&
		    strncasecmp(params[i].key, kv, klen) == 0)
			break;
	}
	if (i == sizeof params / sizeof params[0])
		return "555 5.5.4 Error: unsupported parameter";
	cap = params[i].cap;
	if (val && strcasecmp(kv, "BODY=BINARYMIME") == 0)
		cap = "BINARYMIME"; /* RFC 3030 3 */
	if ((cap = session_cap(s, cap)) == NULL)
		return "555 5.5.4 Error: parameter of an extension not offered";
	if (strcmp(params[i].key, "SIZE") == 0 && val != NULL) {
		limit = strtoull(cap + 4, NULL, 10); /* "SIZE [limit]" */
		if (limit > 0 && strtoull(val + 1, NULL, 10) > limit)
			return "552 5.3.4 Error: message too big";
	}
	return NULL;
}

static const char *
path_check(const struct session *s, char *arg, const char *prefix, int where)
{
	size_t n = strlen(prefix);
	const char *err;
	char *kv, *end;

	if (strncasecmp(arg, prefix, n) != 0 || arg[n] != '<' ||
	    (end = strchr(arg + n, '>')) == NULL)
		return where == P_MAIL ? "501 5.5.4 Syntax: MAIL FROM:<address>"
				       : "501 5.5.4 Syntax: RCPT TO:<address>";
	end++;
	if (*end != '\0' && *end != ' ')
		return "501 5.5.4 Syntax: junk after the address";
	while ((kv = scn_word(&end)) != NULL) {
		if ((err = param_check(s, kv, where)) != NULL)
			return err;
	}
	return NULL;
}

/*
 * The commands, each with the checks a real server makes, overridden by a
 * scenario answer when there is one.
 */
static void
cmd_ehlo(struct session *s, char *arg, const struct buf *answer)
{
	const struct scn_list *l = session_caps(s);
	size_t i;

	if (answer != NULL) {
		if (session_answer(s, answer, "250"))
			session_hello(s, 1);
		return;
	}
	if (*arg == '\0') {
		session_reply(s, "501 5.5.4 Syntax: EHLO hostname");
		return;
	}
	session_reply(s, "250%c%s", l->n ? '-' : ' ', TSRV_HOST);
	for (i = 0; i < l->n; i++)
		session_reply(s, "250%c%s", i + 1 < l->n ? '-' : ' ', l->v[i]);
	session_hello(s, 1);
}

static void
cmd_helo(struct session *s, char *arg, const struct buf *answer)
{
	if (answer == NULL && *arg == '\0')
		session_reply(s, "501 5.5.4 Syntax: HELO hostname");
	else if (session_answer(s, answer, "250 " TSRV_HOST))
		session_hello(s, 0);
}

static const char *
starttls_check(const struct session *s, const char *arg)
{
	if (*arg != '\0')
		return "501 5.5.4 Syntax: STARTTLS"; /* RFC 3207 4 */
	if (session_cap(s, "STARTTLS") == NULL)
		return "502 5.5.1 Error: STARTTLS not offered";
	if (s->c.tls_up)
		return "503 5.5.1 Error: TLS already active";
	if (s->srv->cred == NULL || s->srv->scn.mode == SCN_PLAIN)
		return "454 4.7.0 TLS not available";
	return NULL;
}

/*
 * After the 220: the handshake, then a fresh session (RFC 3207 4.2).
 * Whatever the client sent after STARTTLS before seeing the 220 is dropped,
 * never read as commands under TLS (the CVE-2011-0411 class of bug).
 */
static void
session_starttls(struct session *s)
{
	const struct scenario *scn = &s->srv->scn;

	if (scn->has_inject && !scn->inject_later)
		session_put(s, scn->inject.p, scn->inject.len);
	session_flush(s);
	if (s->st != SS_END && scn->has_inject && scn->inject_later) {
		if (tsrv_wait(s->srv, -1, 0, TSRV_INJECT_MS) == -1) {
			conn_fail(&s->c, strerror(errno));
			session_end(s, "%s", s->c.why);
		} else if (conn_write(&s->c, scn->inject.p, scn->inject.len) ==
			   -1) {
			session_end(s, "%s", s->c.why);
		}
	}
	if (s->in.len > 0) {
		log_text(s->srv->log, "DISCARD plain", s->in.p, s->in.len);
		s->in.len = 0;
	}
	if (s->st == SS_END)
		return;
	if (conn_start_tls(&s->c) == -1) {
		session_end(s, "%s", s->c.why);
		return;
	}
	s->greeted = s->ehlo = s->authed = 0;
	session_txn_reset(s);
}

static void
cmd_starttls(struct session *s, char *arg, const struct buf *answer)
{
	const char *err = starttls_check(s, arg);

	if (answer == NULL && err != NULL)
		session_reply(s, "%s", err);
	else if (session_answer(s, answer, "220 2.0.0 Ready to start TLS") &&
		 s->srv->cred != NULL && !s->c.tls_up)
		session_starttls(s);
}

static void
cmd_auth(struct session *s, char *arg, const struct buf *answer)
{
	char *mech = scn_word(&arg);
	const char *err;

	if (answer != NULL) {
		if (session_answer(s, answer, "235"))
			s->authed = 1;
		return;
	}
	if (mech == NULL)
		err = "501 5.5.4 Syntax: AUTH mechanism [initial-response]";
	else
		err = auth_check(s, mech);
	if (err != NULL) {
		session_reply(s, "%s", err);
		return;
	}
	if (tsasl_knows(mech)) {
		struct tsasl_out o;

		tsasl_start(&s->xsasl, s->srv->scn.sasl, mech,
			    s->c.tls_up ? s->c.tls : NULL,
			    session_cap(s, "AUTH"), *arg ? arg : NULL, &o);
		sasl_x_answer(s, &o);
		return;
	}
	s->sasl = strcasecmp(mech, "PLAIN") == 0 ? SASL_PLAIN : SASL_LOGIN_USER;
	if (*arg != '\0') {
		sasl_input(s, arg);
		return;
	}
	s->st = SS_SASL;
	session_reply(s, "334 %s", s->sasl == SASL_PLAIN ? "" : "VXNlcm5hbWU6");
}

static void
cmd_mail(struct session *s, char *arg, const struct buf *answer)
{
	const char *err = NULL;

	if (!s->greeted)
		err = "503 5.5.1 Error: send HELO/EHLO first";
	else if (s->mail)
		err = "503 5.5.1 Error: nested MAIL command";
	else
		err = path_check(s, arg, "FROM:", P_MAIL);
	if (answer == NULL && err != NULL) {
		session_reply(s, "%s", err);
		return;
	}
	if (session_answer(s, answer, "250 2.1.0 Ok")) {
		session_txn_reset(s);
		s->mail = 1;
	}
}

static void
cmd_rcpt(struct session *s, char *arg, const struct buf *answer)
{
	const char *err = NULL;

	if (!s->mail)
		err = "503 5.5.1 Error: need MAIL command";
	else
		err = path_check(s, arg, "TO:", P_RCPT);
	if (answer == NULL && err != NULL)
		session_reply(s, "%s", err);
	else if (session_answer(s, answer, "250 2.1.5 Ok"))
		s->rcpts++;
}

static void
cmd_data(struct session *s, char *arg, const struct buf *answer)
{
	const char *err = NULL;

	if (*arg != '\0')
		err = "501 5.5.4 Syntax: DATA";
	else if (!s->mail)
		err = "503 5.5.1 Error: need MAIL command";
	else if (s->bdat)
		err = "503 5.5.1 Error: DATA after BDAT";
	else if (s->rcpts == 0)
		err = "554 5.5.1 Error: no valid recipients";
	if (answer == NULL && err != NULL) {
		session_reply(s, "%s", err);
		return;
	}
	if (!session_answer(s, answer, "354 End data with <CR><LF>.<CR><LF>"))
		return;
	session_flush(s); /* RFC 2920 3.1: DATA ends a group */
	if (s->st != SS_END && msg_begin(s) == 0) {
		s->ds = DS_BOL;
		s->st = SS_DATA;
	}
}

/* "BDAT" SP chunk-size [ SP "LAST" ] (RFC 3030 2) */
static int
bdat_parse(const char *arg, unsigned long long *n, int *last)
{
	char *end;

	if (!isdigit((unsigned char)*arg))
		return -1;
	errno = 0;
	*n = strtoull(arg, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ' '))
		return -1;
	end += strspn(end, " ");
	*last = strcasecmp(end, "LAST") == 0;
	return *last || *end == '\0' ? 0 : -1;
}

static void
cmd_bdat(struct session *s, char *arg, const struct buf *answer)
{
	if (session_cap(s, "CHUNKING") == NULL) {
		session_answer(s, answer,
			       "500 5.5.2 Error: command not recognized");
		return;
	}
	if (bdat_parse(arg, &s->bdat_left, &s->bdat_last) == -1) {
		session_answer(s, answer, "501 5.5.4 Syntax: BDAT size [LAST]");
		return;
	}
	s->bdat_size = s->bdat_left;
	s->bdat_answer = answer;
	s->bdat_ok = s->mail && s->rcpts > 0 && !s->bdat_failed;
	s->bdat = 1;
	if (s->bdat_ok && !s->msg.open && msg_begin(s) == -1)
		return;
	s->st = SS_BDAT;
}

static void
cmd_rset(struct session *s, char *arg, const struct buf *answer)
{
	(void)arg;
	if (session_answer(s, answer, "250 2.0.0 Ok"))
		session_txn_reset(s);
}

static void
cmd_noop(struct session *s, char *arg, const struct buf *answer)
{
	(void)arg;
	session_answer(s, answer, "250 2.0.0 Ok");
}

static void
cmd_quit(struct session *s, char *arg, const struct buf *answer)
{
	(void)arg;
	if (!session_answer(s, answer, "221 2.0.0 Bye"))
		return;
	session_flush(s);
	s->bye = 1;
	session_end(s, "quit");
}

/* clang-format off */
static const struct cmd {
	const char	*verb;
	void		(*fn)(struct session *, char *, const struct buf *);
} cmds[] = {
	{ "EHLO",	cmd_ehlo },
	{ "HELO",	cmd_helo },
	{ "STARTTLS",	cmd_starttls },
	{ "AUTH",	cmd_auth },
	{ "MAIL",	cmd_mail },
	{ "RCPT",	cmd_rcpt },
	{ "DATA",	cmd_data },
	{ "BDAT",	cmd_bdat },
	{ "RSET",	cmd_rset },
	{ "NOOP",	cmd_noop },
	{ "QUIT",	cmd_quit },
};
/* clang-format on */

static void
session_dispatch(struct session *s, const char *verb, char *arg)
{
	const struct scenario *scn = &s->srv->scn;
	const struct scn_fault *f = scn_fault_find(scn, verb);
	const struct buf *answer;
	size_t i;

	if (f != NULL && session_fault(s, f, "250"))
		return;
	answer = f ? &f->text : scn_reply_find(scn, verb, arg);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(cmds[i].verb, verb) == 0) {
			cmds[i].fn(s, arg, answer);
			return;
		}
	}
	session_answer(s, answer, "500 5.5.2 Error: command not recognized");
}

/*
 * Checks a command line (RFC 5321 2.3.8, 4.5.3.1.4) and cuts its CRLF;
 * returns the error reply for a bad one.
 */
static const char *
line_check(char *line, size_t len)
{
	if (len > TSRV_CMD_MAX)
		return "500 5.5.2 Error: line too long";
	if (len < 2 || line[len - 2] != '\r')
		return "500 5.5.2 Error: bare LF, lines end with CRLF";
	if (memchr(line, '\0', len) || memchr(line, '\r', len - 2))
		return "500 5.5.2 Error: NUL or CR in a command";
	line[len - 2] = '\0';
	return NULL;
}

/* One line: a command, or a response inside an AUTH exchange. */
static void
session_command(struct session *s, char *line, size_t len)
{
	size_t i, vlen = 0;
	const char *err;
	char *arg;

	while (vlen < len && line[vlen] != ' ' && line[vlen] != '\r' &&
	       line[vlen] != '\n')
		vlen++;
	if (s->st == SS_SASL) {
		session_group_add(s, "SASL", 4);
	} else {
		for (i = 0; i < vlen; i++)
			line[i] = (char)toupper((unsigned char)line[i]);
		session_group_add(s, line, vlen);
	}
	if ((err = line_check(line, len)) != NULL) {
		s->st = SS_CMD;
		session_reply(s, "%s", err);
		return;
	}
	if (s->st == SS_SASL) {
		sasl_input(s, line);
		return;
	}
	arg = line + vlen + strspn(line + vlen, " ");
	line[vlen] = '\0';
	session_dispatch(s, line, arg);
}

/* Takes one command line out of the input; returns 0 when there is none. */
static int
session_line(struct session *s)
{
	char *nl = memchr(s->in.p, '\n', s->in.len);
	char *line;
	size_t len;

	if (nl == NULL) {
		if (s->in.len >= TSRV_IN_MAX) {
			session_reply(s, "500 5.5.2 Error: line too long");
			session_flush(s);
			session_end(s, "error no end of line in %d bytes",
				    TSRV_IN_MAX);
		}
		return 0;
	}
	len = (size_t)(nl - s->in.p) + 1;
	if ((line = malloc(len + 1)) == NULL) {
		session_end(s, "error out of memory");
		return 0;
	}
	memcpy(line, s->in.p, len);
	line[len] = '\0';
	buf_drop(&s->in, len);
	session_command(s, line, len);
	free(line);
	return 1;
}

/* Handles what is in the input; returns 0 when it needs more. */
static int
session_step(struct session *s)
{
	switch (s->st) {
	case SS_CMD:
	case SS_SASL: return session_line(s);
	case SS_DATA: return session_data(s);
	case SS_BDAT: return session_bdat(s);
	case SS_STALL: s->in.len = 0; return 0;
	case SS_END: break;
	}
	return 0;
}

static void
session_greet(struct session *s)
{
	const struct scenario *scn = &s->srv->scn;
	const struct scn_fault *f = scn_fault_find(scn, "GREETING");

	if (f != NULL && session_fault(s, f, "220"))
		return;
	if (f != NULL)
		session_put(s, f->text.p, f->text.len);
	else
		session_put(s, scn->greeting.p, scn->greeting.len);
	session_flush(s);
}

static void
session_serve(struct server *srv, int fd, const char *peer)
{
	struct session s;
	ssize_t n;

	memset(&s, 0, sizeof s);
	s.srv = s.c.srv = srv;
	s.c.fd = fd;
	log_rec(srv->log, "CONNECT %s", peer);
	if (srv->scn.mode == SCN_IMPLICIT && conn_start_tls(&s.c) == -1)
		session_end(&s, "%s", s.c.why); /* RFC 8314 3.3 */
	if (s.st != SS_END)
		session_greet(&s);
	while (s.st != SS_END) {
		if ((n = conn_read(&s.c, &s.in)) <= 0) {
			session_end(&s, "%s", n == 0 ? "eof" : s.c.why);
			break;
		}
		while (s.st != SS_END && session_step(&s))
			;
		if (s.st != SS_END)
			session_flush(&s);
	}
	msg_abort(&s);
	conn_close(&s.c, s.bye);
	log_text(srv->log, "CLOSE", s.why, strlen(s.why));
	buf_free(&s.in);
	buf_free(&s.out);
	buf_free(&s.group);
	if (s.sasl_user.p != NULL)
		gnutls_memset(s.sasl_user.p, 0, s.sasl_user.cap);
	buf_free(&s.sasl_user);
	tsasl_free(s.xsasl);
}

/*
 * Setup and the accept loop.
 */
static int
server_listen(int v6, unsigned *port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	socklen_t len;
	int fd, one = 1;

	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	sa = v6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin;
	len = v6 ? sizeof sin6 : sizeof sin;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd == -1 ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			      sizeof one) == -1) ||
	    bind(fd, sa, len) == -1 || listen(fd, 16) == -1 ||
	    getsockname(fd, sa, &len) == -1) {
		fprintf(stderr, "tsrv: listen on %s: %s\n",
			v6 ? "::1" : "127.0.0.1", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(v6 ? sin6.sin6_port : sin.sin_port);
	return fd;
}

/* Written aside and renamed: whoever sees PORTFILE sees all of it. */
static int
server_portfile(const char *path, unsigned port)
{
	char *tmp;
	FILE *f;
	int rc;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) == -1)
		return -1;
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "tsrv: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fprintf(f, "%u\n", port);
	rc = fclose(f) == 0 && rename(tmp, path) == 0 ? 0 : -1;
	if (rc == -1) {
		fprintf(stderr, "tsrv: %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int
server_accept(struct server *srv, int lfd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	for (;;) {
		len = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED) {
			fprintf(stderr, "tsrv: accept: %s\n", strerror(errno));
			return -1;
		}
		if (tsrv_wait(srv, lfd, POLLIN, -1) == -1)
			return -1;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, peer, (socklen_t)peerlen,
			NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(peer, peerlen, "unknown");
	return fd;
}

/* TERM, INT and ALRM only get in inside tsrv_wait; PIPE never. */
static void
server_signals(struct server *srv)
{
	struct sigaction sa;
	sigset_t stop;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGALRM);
	sigprocmask(SIG_BLOCK, &stop, &srv->waitmask);
	sigdelset(&srv->waitmask, SIGTERM);
	sigdelset(&srv->waitmask, SIGINT);
	sigdelset(&srv->waitmask, SIGALRM);
	alarm(TSRV_ALARM);
}

/* ocsp FILE: the response as it is.  The callback, unlike
 * gnutls_certificate_set_ocsp_status_request_file, does not check it, so
 * that a test can staple a "revoked" or stale response. */
static gnutls_datum_t tsrv_ocsp_der;

static int
server_ocsp(gnutls_session_t s, void *ptr, gnutls_datum_t *resp)
{
	const gnutls_datum_t *der = ptr;

	(void)s;
	if ((resp->data = gnutls_malloc(der->size)) == NULL)
		return GNUTLS_E_MEMORY_ERROR;
	memcpy(resp->data, der->data, der->size);
	resp->size = der->size;
	return 0;
}

/* chain-as-is: gnutls_certificate_set_x509_key_file sorts the chain
 * (GNUTLS_X509_CRT_LIST_SORT), and so does gnutls_certificate_set_x509_key;
 * certificates imported one by one and handed over with
 * gnutls_certificate_set_key keep the file's order.  The credentials
 * take over the pcerts and the key, not the array. */
static int
server_chain_as_is(gnutls_certificate_credentials_t cred, const char *cert,
		   const char *key)
{
	gnutls_datum_t cd = { NULL, 0 }, kd = { NULL, 0 };
	gnutls_x509_crt_t *crts = NULL;
	gnutls_pcert_st *pcerts = NULL;
	gnutls_privkey_t pk = NULL;
	unsigned n = 0, done = 0, i;
	int ret;

	if ((ret = gnutls_load_file(cert, &cd)) < 0 ||
	    (ret = gnutls_load_file(key, &kd)) < 0 ||
	    (ret = gnutls_x509_crt_list_import2(&crts, &n, &cd,
						GNUTLS_X509_FMT_PEM, 0)) < 0)
		goto out;
	ret = GNUTLS_E_MEMORY_ERROR;
	if ((pcerts = calloc(n, sizeof(*pcerts))) == NULL)
		goto out;
	for (ret = 0; ret >= 0 && done < n; done += ret >= 0)
		ret = gnutls_pcert_import_x509(&pcerts[done], crts[done], 0);
	if (ret < 0 || (ret = gnutls_privkey_init(&pk)) < 0 ||
	    (ret = gnutls_privkey_import_x509_raw(pk, &kd, GNUTLS_X509_FMT_PEM,
						  NULL, 0)) < 0)
		goto out;
	ret = gnutls_certificate_set_key(cred, NULL, 0, pcerts, (int)n, pk);
	if (ret >= 0)
		done = 0, pk = NULL;	/* owned by cred now */
out:
	for (i = 0; i < done; i++)
		gnutls_pcert_deinit(&pcerts[i]);
	free(pcerts);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (pk != NULL)
		gnutls_privkey_deinit(pk);
	gnutls_free(cd.data);
	gnutls_free(kd.data);
	return ret;
}

static int
server_tls_init(struct server *srv)
{
	const struct scenario *scn = &srv->scn;
	const char *where = NULL;
	int ret;

	ret = gnutls_priority_init(&srv->prio, scn->priority, &where);
	if (ret < 0) {
		fprintf(stderr, "tsrv: priority \"%s\": %s at \"%s\"\n",
			scn->priority, gnutls_strerror(ret),
			where ? where : "");
		srv->prio = NULL;
		return -1;
	}
	if ((ret = gnutls_session_ticket_key_generate(&srv->ticket)) < 0)
		goto fail;
	if (scn->cert == NULL)
		return 0;
	if ((ret = gnutls_certificate_allocate_credentials(&srv->cred)) < 0)
		goto fail;
	if (scn->chain_as_is)
		ret = server_chain_as_is(srv->cred, scn->cert, scn->key);
	else
		ret = gnutls_certificate_set_x509_key_file(
		    srv->cred, scn->cert, scn->key, GNUTLS_X509_FMT_PEM);
	if (ret >= 0 && scn->ocsp != NULL &&
	    (ret = gnutls_load_file(scn->ocsp, &tsrv_ocsp_der)) >= 0)
		ret = gnutls_certificate_set_ocsp_status_request_function2(
		    srv->cred, 0, server_ocsp, &tsrv_ocsp_der);
	if (ret >= 0)
		ret = tsasl_tls_setup(scn->sasl, srv->cred);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "tsrv: TLS setup (%s, %s): %s\n",
		scn->cert ? scn->cert : "-", scn->key ? scn->key : "-",
		gnutls_strerror(ret));
	return -1;
}

static void
server_free(struct server *srv)
{
	gnutls_free(tsrv_ocsp_der.data);
	tsrv_ocsp_der.data = NULL;
	if (srv->cred != NULL)
		gnutls_certificate_free_credentials(srv->cred);
	if (srv->prio != NULL)
		gnutls_priority_deinit(srv->prio);
	if (srv->ticket.data != NULL) {
		gnutls_memset(srv->ticket.data, 0, srv->ticket.size);
		gnutls_free(srv->ticket.data);
	}
	scn_free(&srv->scn);
	if (srv->log != NULL)
		fclose(srv->log);
}

static int
server_run(struct server *srv, int lfd, unsigned long conns)
{
	char peer[NI_MAXHOST];
	unsigned long i;
	int fd;

	for (i = 0; i < conns && !tsrv_signal; i++) {
		if ((fd = server_accept(srv, lfd, peer, sizeof peer)) == -1)
			break;
		session_serve(srv, fd, peer);
	}
	if (tsrv_signal == SIGALRM)
		return 3;
	return tsrv_signal || i == conns ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tsrv -s SCENARIO -l LOGFILE -P PORTFILE "
			"[-m MSGFILE] [-6] [-n CONNECTIONS]\n");
}

struct options {
	const char *scn;
	const char *log;
	const char *port;
	const char *msg;
	unsigned long conns;
	int v6;
};

static int
options_parse(int argc, char **argv, struct options *o)
{
	char *end;
	int ch;

	o->conns = 1;
	while ((ch = getopt(argc, argv, "s:l:P:m:n:6")) != -1) {
		switch (ch) {
		case 's': o->scn = optarg; break;
		case 'l': o->log = optarg; break;
		case 'P': o->port = optarg; break;
		case 'm': o->msg = optarg; break;
		case '6': o->v6 = 1; break;
		case 'n':
			o->conns = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->conns == 0 || *optarg == '-')
				return -1;
			break;
		default: return -1;
		}
	}
	return o->scn && o->log && o->port && optind == argc ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct server srv;
	unsigned port;
	int lfd, status = 1;

	memset(&o, 0, sizeof o);
	memset(&srv, 0, sizeof srv);
	if (options_parse(argc, argv, &o) == -1) {
		usage();
		return 2;
	}
	srv.msgpath = o.msg;
	server_signals(&srv);
	if (scn_load(&srv.scn, o.scn) == -1 || server_tls_init(&srv) == -1) {
		server_free(&srv);
		return 2;
	}
	if ((srv.log = fopen(o.log, "a")) == NULL) {
		fprintf(stderr, "tsrv: %s: %s\n", o.log, strerror(errno));
		server_free(&srv);
		return 1;
	}
	if ((lfd = server_listen(o.v6, &port)) != -1) {
		if (server_portfile(o.port, port) == 0) {
			status = server_run(&srv, lfd, o.conns);
			log_rec(srv.log, "EXIT %d", status);
		}
		close(lfd);
	}
	server_free(&srv);
	return status;
}
