/*
 * smtp: the client side of one SMTP submission session (RFC 5321, RFC 6409)
 * as a state machine over io.  It never reads files or prints: the message
 * arrives through a reader callback, the transcript leaves through a trace
 * callback, and everything learned goes into the caller's outcome.
 *
 * Pipelining (RFC 2920) is a property of the engine: every command is
 * queued with the state that will read its reply; the queue is flushed in
 * one write when a reply is needed, or at once when the server does not
 * offer PIPELINING.  One session may carry several messages (queue flush).
 */
#ifndef TLSMAIL_SMTP_H
#define TLSMAIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "outcome.h"
#include "plan.h"
#include "sasl.h"
#include "tls.h"

typedef void (*smtp_trace_fn)(void *ctx, char dir, const char *line,
    size_t len);

struct smtp_conf {
	const char *host;
	unsigned port;
	enum plan_tls tls;
	struct tls_ctx *tls_ctx;	/* NULL when tls is PLAN_TLS_OFF */
	const char *tls_name;		/* name for SNI and the certificate
					   check, NULL: host
					   (tls_host_override) */
	const char *ehlo;		/* NULL: our address literal */
	int	 timeout_ms;		/* per reply, per write */
	int	 session_ms;		/* the whole session after connect,
					   0: no limit (plan_session_ms) */
	const struct sasl_cred *cred;	/* NULL: no AUTH */
	const char *auth;		/* NULL/"on" or a mechanism name */
	bool	 allow_plaintext_auth;
	/* --probe: no AUTH, never MAIL; a server without STARTTLS, or that
	 * refuses it, is recorded in the outcome and smtp_open returns 0 on
	 * the plaintext session, so that smtp_close can say QUIT. */
	bool	 probe;
	smtp_trace_fn trace;		/* NULL: no transcript */
	void	*trace_ctx;
	/* Called with 0 before a message's first octet, with the octets
	 * handed over after each write of it, and with its size at its
	 * end; NULL: not called.  main draws a progress line with it. */
	void	(*progress)(void *ctx, size_t done, size_t total);
	void	*progress_ctx;
};

/* One message: where its bytes come from and what is known of them. */
struct smtp_msg {
	const char *from;		/* "" for the null reverse-path */
	const char *const *rcpts;
	size_t	 nrcpt;
	size_t	 size;			/* octets, CR LF line ends */
	bool	 eightbit;
	/* Parameters as they go on the wire, NULL: none; fit.c checks
	 * that the server offers what they need. */
	bool	 smtputf8;		/* SMTPUTF8 on MAIL (RFC 6531) */
	const char *dsn_ret;		/* RET= on MAIL (RFC 3461) */
	const char *dsn_envid;		/* ENVID=, xtext */
	const char *dsn_notify;		/* NOTIFY= on every RCPT */
	/* The message, already CR LF normalised, from its start. */
	ssize_t	(*read)(void *ctx, char *buf, size_t len, struct err *);
	int	(*rewind)(void *ctx, struct err *);
	void	*ctx;
};

struct smtp;

/*
 * Connects, reads the greeting, says EHLO, negotiates TLS as conf asks and
 * prepares AUTH.  A one-step AUTH may still be queued when this returns:
 * it leaves with the first transaction (RFC 4954 section 4).
 * Errors: every class; ERR_SECURITY when TLS is required but refused.
 */
int	smtp_open(struct smtp **, const struct smtp_conf *, struct outcome *,
	    struct err *);

/* Sends one message; last queues QUIT in the same flight as the message.
 * 0 only when the server accepted the message for every recipient. */
int	smtp_send(struct smtp *, const struct smtp_msg *, bool last,
	    struct err *);

/* Ends the session politely if QUIT was not sent yet, and frees it. */
void	smtp_close(struct smtp *);

/* The EHLO keywords the session acts on (RFC 5321 4.1.1.1). */
#define SMTP_CAP_PIPELINING	0x01
#define SMTP_CAP_STARTTLS	0x02
#define SMTP_CAP_SIZE		0x04
#define SMTP_CAP_8BITMIME	0x08
#define SMTP_CAP_CHUNKING	0x10
#define SMTP_CAP_AUTH		0x20
#define SMTP_CAP_SMTPUTF8	0x40
#define SMTP_CAP_DSN		0x80

/* What the server offers, from its last EHLO reply (after TLS, when TLS
 * is used): known once smtp_open returned, so that the message can be
 * made to fit before smtp_send. */
unsigned smtp_caps(const struct smtp *);

/* The class a reply code gives a failure at a step; exposed for tests. */
enum err_class smtp_reply_class(enum err_step, int code);

#endif
