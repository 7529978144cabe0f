/*
 * cli: argv into a plain struct options.  It never prints or exits; help
 * and version are requests that main carries out.  The name the program is
 * called by picks the personality (sendmail's comes with the drop-in work).
 */
#ifndef TLSMAIL_CLI_H
#define TLSMAIL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum cli_tls { CLI_TLS_UNSET = 0, CLI_TLS_STARTTLS, CLI_TLS_IMPLICIT,
	CLI_TLS_OFF };

enum cli_action { CLI_SEND = 0, CLI_HELP, CLI_VERSION };

struct options {
	enum cli_action action;
	const char *host;
	unsigned port;			/* 0: not given */
	enum cli_tls tls;
	const char *cafile;
	const char *fingerprint;
	const char *tls_priority;
	bool	 tls_no_verify;		/* --tls-verify=off */
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
	int	 verbose;
	char	**rcpts;		/* points into argv */
	size_t	 nrcpt;
};

/* Parses argv (not modified, but getopt permutes pointers).  Errors are
 * ERR_USAGE naming the option and what it expects. */
int	cli_parse(struct options *, int argc, char **argv, struct err *);

/* The --help text. */
const char *cli_usage(void);

#endif
