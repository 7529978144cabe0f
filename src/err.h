/*
 * err: the one error structure that travels from the module that failed up
 * to main.  Functions return 0 on success or -1 on failure and fill a
 * caller-owned struct err; only main turns the class into an exit code
 * (exitcode.h).
 */
#ifndef TLSMAIL_ERR_H
#define TLSMAIL_ERR_H

#include <stddef.h>

/* What kind of failure this is; decides the exit code and, later, whether
 * the message is queued for retry. */
enum err_class {
	ERR_NONE = 0,
	ERR_USAGE,	/* bad command line or address syntax */
	ERR_DATA,	/* the message or an address was refused permanently */
	ERR_NOINPUT,	/* an input file could not be read */
	ERR_CONFIG,	/* configuration or credentials source unusable */
	ERR_NOHOST,	/* the server name does not resolve */
	ERR_TEMP,	/* connection failure, timeout, 4xx: try again later */
	ERR_UNAVAILABLE, /* the server cannot be used (5xx at greeting/EHLO) */
	ERR_SECURITY,	/* TLS required but unavailable, or not trusted */
	ERR_PROTOCOL,	/* malformed reply, injection, protocol violation */
	ERR_AUTH,	/* authentication refused */
	ERR_OS,		/* a system call failed for local reasons */
	ERR_INTERNAL	/* a bug in tlsmail */
};

/* The step of the session or of the program that failed, for messages. */
enum err_step {
	STEP_NONE = 0,
	STEP_ARGS,
	STEP_MESSAGE,
	STEP_RESOLVE,
	STEP_CONNECT,
	STEP_GREETING,
	STEP_EHLO,
	STEP_STARTTLS,
	STEP_TLS,
	STEP_AUTH,
	STEP_MAIL,
	STEP_RCPT,
	STEP_DATA,
	STEP_QUIT
};

#define ERR_MSG_MAX 512

struct err {
	enum err_class cls;
	enum err_step step;
	int code;			/* SMTP reply code, 0 if none */
	char msg[ERR_MSG_MAX];		/* what went wrong, one line */
	char hint[ERR_MSG_MAX];		/* what the user can do, may be "" */
};

void	err_clear(struct err *);
/* Sets class, step and a printf-style message; returns -1 so that callers
 * can write "return err_set(e, ...);". */
int	err_set(struct err *, enum err_class, enum err_step, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
/* Adds a hint, "what to do next", to an error already set. */
void	err_hint(struct err *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *err_step_name(enum err_step);

#endif
