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
	const char *ehlo;		/* NULL: our address literal */
	int	 timeout_ms;		/* per reply, per write */
	const struct sasl_cred *cred;	/* NULL: no AUTH */
	const char *auth;		/* NULL/"on" or a mechanism name */
	bool	 allow_plaintext_auth;
	smtp_trace_fn trace;		/* NULL: no transcript */
	void	*trace_ctx;
};

/* One message: where its bytes come from and what is known of them. */
struct smtp_msg {
	const char *from;		/* "" for the null reverse-path */
	const char *const *rcpts;
	size_t	 nrcpt;
	size_t	 size;			/* octets, CR LF line ends */
	bool	 eightbit;
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

/* The class a reply code gives a failure at a step; exposed for tests. */
enum err_class smtp_reply_class(enum err_step, int code);

#endif
