/*
 * cli: argv into a plain struct options.  It never prints or exits; help
 * and version are requests that main carries out.  The name the program is
 * called by picks the personality: "sendmail" (any directory) accepts
 * sendmail's flags too, "newaliases" has nothing to do, "mailq" is
 * refused (no queue).
 */
#ifndef TLSMAIL_CLI_H
#define TLSMAIL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum cli_tls { CLI_TLS_UNSET = 0, CLI_TLS_STARTTLS, CLI_TLS_IMPLICIT,
	CLI_TLS_OFF };

enum cli_action { CLI_SEND = 0, CLI_HELP, CLI_VERSION,
	CLI_PROBE,		/* --probe */
	CLI_NEWALIASES };	/* sendmail -bi, newaliases: nothing to do */

struct options {
	enum cli_action action;
	const char *host;
	unsigned port;			/* 0: not given */
	enum cli_tls tls;
	const char *cafile;
	const char *fingerprint;
	const char *tls_priority;
	bool	 tls_no_verify;		/* --tls-verify=off */
	const char *tls_cert_file;	/* client certificate (EXTERNAL) */
	const char *tls_key_file;
	const char *user;
	const char *password_file;
	const char *password_env;
	const char *passwordeval;
	const char *auth;		/* NULL, "on", "off" or a mechanism */
	bool	 allow_plaintext_auth;
	const char *from;		/* -f */
	bool	 read_rcpts;		/* -t */
	int	 timeout;		/* seconds, 0: not given */
	const char *ehlo;
	bool	 report;
	const char *probe;		/* --probe HOST[:PORT] */
	bool	 json;			/* --json */
	int	 warn_days;		/* --warn-days, -1: not given */
	int	 verbose;
	char	**rcpts;		/* points into argv */
	size_t	 nrcpt;
	/* Configuration files and the sendmail personality (issue 3). */
	bool	 sendmail;		/* called as "sendmail" */
	const char *account;		/* -a NAME */
	const char *conffile;		/* -C FILE: replaces the user file */
	bool	 pretend;		/* --pretend */
	bool	 tls_verify_given;	/* --tls-verify was given at all */
	const char *fullname;		/* -F NAME */
	const char *dsn_notify;		/* -N */
	const char *dsn_return;		/* -R */
	const char *dsn_envid;		/* -V */
	const char *body;		/* -B 7BIT | 8BITMIME */
	const char *password;		/* never from argv: a config file's
					   password, set by plan_build_conf */
	/* Composing a message from options (compose.h).  The lists are
	 * allocated (their strings point into argv): cli_free. */
	const char *subject;		/* -s */
	const char *reply_to;		/* --reply-to */
	char	**cc, **bcc;		/* -c/--cc, -b/--bcc */
	char	**headers;		/* --header "Name: value" */
	char	**attach;		/* --attach FILE */
	size_t	 ncc, nbcc, nheader, nattach;
};

/* Parses argv (not modified, but getopt permutes pointers).  Errors are
 * ERR_USAGE naming the option and what it expects. */
int	cli_parse(struct options *, int argc, char **argv, struct err *);
/* Releases what cli_parse allocated (the repeatable options' lists). */
void	cli_free(struct options *);

/* The --help text. */
const char *cli_usage(void);

#endif
