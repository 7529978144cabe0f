/*
 * plan: the settings one send runs with, merged from the configuration
 * files (conf) and the command line, which wins.  Every default and
 * every rule that ties options together lives here, so that smtp and main
 * read one settled structure.
 */
#ifndef TLSMAIL_PLAN_H
#define TLSMAIL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "err.h"

enum plan_tls { PLAN_TLS_STARTTLS, PLAN_TLS_IMPLICIT, PLAN_TLS_OFF };

enum plan_pw { PLAN_PW_NONE, PLAN_PW_FILE, PLAN_PW_ENV, PLAN_PW_EVAL,
	PLAN_PW_VALUE,			/* the password itself, from a config file */
	PLAN_PW_PROMPT };		/* asked for on the terminal (tty.h) */

/* msmtp's set_from_header (auto, on, off) and set_date_header and
 * set_msgid_header (auto, off): auto adds the field when it is missing. */
enum plan_hdr { PLAN_HDR_AUTO = 0, PLAN_HDR_ON, PLAN_HDR_OFF };

#define PLAN_PORT_SUBMISSION	587	/* RFC 6409 */
#define PLAN_PORT_SUBMISSIONS	465	/* RFC 8314 */
#define PLAN_TIMEOUT_DEFAULT	60
#define PLAN_WARN_DAYS_DEFAULT	14	/* --probe --warn-days */
/* The whole session's limit (plan_session_ms): at least this many
 * seconds, more for a large message at this many octets a second. */
#define PLAN_SESSION_MIN	300
#define PLAN_SESSION_RATE	10240

struct plan {
	const char *host;
	unsigned port;
	enum plan_tls tls;
	const char *cafile;
	const char *fingerprint;
	const char *tls_priority;
	bool	 tls_no_verify;
	const char *tls_cert_file;	/* client certificate, or NULL */
	const char *tls_key_file;	/* NULL: the key is in the cert file */
	const char *user;		/* NULL: no AUTH */
	enum plan_pw pw_source;
	const char *pw_arg;		/* file, variable or command */
	bool	 pw_hidden;		/* the source is the system file's,
					   under setgid: never shown (priv.h) */
	const char *auth;		/* NULL/"on": choose; else a mechanism */
	bool	 allow_plaintext_auth;
	const char *from;		/* envelope sender, "" for <> */
	bool	 read_rcpts;
	const char *const *rcpts;	/* from the command line */
	size_t	 nrcpt;
	int	 timeout;		/* seconds, per step */
	char	*ehlo;			/* owned */
	bool	 report;
	int	 verbose;
	bool	 json;			/* --json: one object on stdout */
	bool	 probe;			/* --probe: no message, a verdict */
	int	 warn_days;		/* --probe: expiry warning threshold */
	char	*host_owned;		/* --probe: host is this copy */
	/* From the configuration files (tlsmail.conf(5)) and sendmail's
	 * flags; strings point into the conf or argv, which outlive it. */
	const char *account;		/* the account used, NULL: none */
	const char *account_file;	/* where it was defined */
	const char *tls_name;		/* tls_host_override, NULL: host */
	const char *fullname;		/* -F, else from_full_name */
	const char *domain;		/* completes bare names, Message-ID */
	const char *aliases;		/* aliases file, NULL: none */
	const char *logfile;		/* NULL: no log file */
	const char *syslog;		/* facility name, NULL: no syslog */
	const char *dsn_notify;		/* -N / dsn_notify, NULL: not asked */
	const char *dsn_return;		/* -R / dsn_return: headers, full */
	const char *dsn_envid;		/* -V */
	const char *body;		/* -B: "7BIT", "8BITMIME", NULL */
	enum plan_hdr set_from_header;
	enum plan_hdr set_date_header;
	enum plan_hdr set_msgid_header;
	bool	 remove_bcc_headers;	/* default true */
	bool	 undisclosed_recipients;
	bool	 pretend;		/* --pretend: print, do not send */
	bool	 sendmail;		/* called as sendmail */
	/* Composing (compose.h): set by -s, --header, --cc, --bcc,
	 * --reply-to or --attach; standard input is then the body.  Cc
	 * and Bcc are envelope recipients too; strings point into argv. */
	bool	 compose;
	const char *subject;
	const char *reply_to;
	const char *const *cc, *const *bcc, *const *headers, *const *attach;
	size_t	 ncc, nbcc, nheader, nattach;
};

/* Settles the plan; ERR_USAGE for options that contradict each other or
 * are missing (no --host, AUTH over plaintext without the opt-in, ...). */
int	plan_build(struct plan *, const struct options *, struct err *);
void	plan_free(struct plan *);

/*
 * plan_build with the configuration: the account conf_select picks (-a,
 * else by the -f sender, else "default", else the defaults) under the
 * command line, which wins field by field.  conf may be NULL.  The conf
 * must outlive the plan.  Errors: plan_build's, ERR_CONFIG for an
 * unknown account.
 */
struct conf;
int	plan_build_conf(struct plan *, const struct options *,
	    const struct conf *, struct err *);

/* The plan of --probe HOST[:PORT] ("[::1]:587" for IPv6 with a port):
 * port 0 when none is given (587, 465 and 25 are probed), TLS mode from
 * the port as for a send.  ERR_USAGE for what a probe cannot use:
 * recipients, -f, --user, --host, --tls=off, a port given twice. */
int	plan_build_probe(struct plan *, const struct options *, struct err *);

/* This host's name for EHLO (RFC 5321 4.1.1.1): its FQDN, never
 * "localhost"; NULL when there is none, and the session then greets with
 * its address literal.  Caller frees. */
char	*plan_default_ehlo(void);

/* Checks an EHLO name: a domain or an address literal, nothing that could
 * end the command line. */
int	plan_check_ehlo(const char *, struct err *);

/* True for --auth=external (any case): a client certificate, no secret. */
bool	plan_auth_external(const char *auth);
/* True when the session must authenticate: a user, or EXTERNAL. */
bool	plan_wants_auth(const struct plan *);

/* The limit on a whole session carrying size octets, in milliseconds:
 * the larger of PLAN_SESSION_MIN seconds and twice the per-step timeout,
 * plus size at PLAN_SESSION_RATE octets a second; at most INT_MAX. */
int	plan_session_ms(const struct plan *, size_t size);

#endif
