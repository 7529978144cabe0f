#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_HOST = 256, OPT_PORT, OPT_TLS, OPT_CAFILE, OPT_FINGERPRINT,
	OPT_TLS_PRIORITY, OPT_TLS_VERIFY, OPT_USER, OPT_PASSWORD_FILE,
	OPT_PASSWORD_ENV, OPT_PASSWORDEVAL, OPT_AUTH, OPT_PLAIN_AUTH,
	OPT_TIMEOUT, OPT_EHLO, OPT_REPORT, OPT_HELP, OPT_VERSION
};

static const struct option cli_longopts[] = {
	{ "host",		required_argument, NULL, OPT_HOST },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "tls",		required_argument, NULL, OPT_TLS },
	{ "cafile",		required_argument, NULL, OPT_CAFILE },
	{ "fingerprint",	required_argument, NULL, OPT_FINGERPRINT },
	{ "tls-priority",	required_argument, NULL, OPT_TLS_PRIORITY },
	{ "tls-verify",		required_argument, NULL, OPT_TLS_VERIFY },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "password-file",	required_argument, NULL, OPT_PASSWORD_FILE },
	{ "password-env",	required_argument, NULL, OPT_PASSWORD_ENV },
	{ "passwordeval",	required_argument, NULL, OPT_PASSWORDEVAL },
	{ "auth",		required_argument, NULL, OPT_AUTH },
	{ "allow-plaintext-auth", no_argument,	   NULL, OPT_PLAIN_AUTH },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "ehlo",		required_argument, NULL, OPT_EHLO },
	{ "report",		no_argument,	   NULL, OPT_REPORT },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Options may follow recipients (GNU argument permutation); "--" ends
 * them, for an address that starts with '-'.  -o takes an argument so
 * that sendmail's "-oi" parses as "-o i". */
static const char cli_shortopts[] = "f:to:iv";

static int
cli_number(const char *arg, long min, long max, const char *opt, long *out,
    struct err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "%s wants a number from %ld to %ld, not \"%s\"", opt, min,
		    max, arg);
	*out = v;
	return 0;
}

static int
cli_tls_mode(const char *arg, enum cli_tls *out, struct err *e)
{
	if (strcmp(arg, "starttls") == 0)
		*out = CLI_TLS_STARTTLS;
	else if (strcmp(arg, "implicit") == 0)
		*out = CLI_TLS_IMPLICIT;
	else if (strcmp(arg, "off") == 0)
		*out = CLI_TLS_OFF;
	else
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--tls wants starttls, implicit or off, not \"%s\"", arg);
	return 0;
}

static int
cli_tls_verify(const char *arg, bool *no_verify, struct err *e)
{
	if (strcmp(arg, "on") == 0)
		*no_verify = false;
	else if (strcmp(arg, "off") == 0)
		*no_verify = true;
	else
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "--tls-verify wants on or off, not \"%s\"", arg);
	return 0;
}

/* sendmail's -o options: -oi (a lone dot is not the end: tlsmail always
 * reads to EOF) is the one callers pass; others are refused plainly. */
static int
cli_o_option(const char *arg, struct err *e)
{
	if (strcmp(arg, "i") == 0)
		return 0;
	return err_set(e, ERR_USAGE, STEP_ARGS, "unknown option -o%s", arg);
}

static int
cli_one(struct options *o, int c, const char *arg, struct err *e)
{
	long v;

	switch (c) {
	case OPT_HOST:		o->host = arg; break;
	case OPT_PORT:
		if (cli_number(arg, 1, 65535, "--port", &v, e) < 0)
			return -1;
		o->port = (unsigned)v;
		break;
	case OPT_TLS:		return cli_tls_mode(arg, &o->tls, e);
	case OPT_CAFILE:	o->cafile = arg; break;
	case OPT_FINGERPRINT:	o->fingerprint = arg; break;
	case OPT_TLS_PRIORITY:	o->tls_priority = arg; break;
	case OPT_TLS_VERIFY:	return cli_tls_verify(arg, &o->tls_no_verify, e);
	case OPT_USER:		o->user = arg; break;
	case OPT_PASSWORD_FILE:	o->password_file = arg; break;
	case OPT_PASSWORD_ENV:	o->password_env = arg; break;
	case OPT_PASSWORDEVAL:	o->passwordeval = arg; break;
	case OPT_AUTH:		o->auth = arg; break;
	case OPT_PLAIN_AUTH:	o->allow_plaintext_auth = true; break;
	case OPT_TIMEOUT:
		if (cli_number(arg, 1, 3600, "--timeout", &v, e) < 0)
			return -1;
		o->timeout = (int)v;
		break;
	case OPT_EHLO:		o->ehlo = arg; break;
	case OPT_REPORT:	o->report = true; break;
	case OPT_HELP:		o->action = CLI_HELP; break;
	case OPT_VERSION:	o->action = CLI_VERSION; break;
	case 'f':		o->from = arg; break;
	case 't':		o->read_rcpts = true; break;
	case 'i':		break;	/* always: stdin is read to its end */
	case 'o':		return cli_o_option(arg, e);
	case 'v':		o->verbose++; break;
	default:
		return err_set(e, ERR_USAGE, STEP_ARGS, "internal: option %d",
		    c);
	}
	return 0;
}

int
cli_parse(struct options *o, int argc, char **argv, struct err *e)
{
	int c, li;

	memset(o, 0, sizeof(*o));
	optind = 0;		/* glibc: full reinitialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, cli_shortopts, cli_longopts,
	    &li)) != -1) {
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt != 0 && c == ':')
				return err_set(e, ERR_USAGE, STEP_ARGS,
				    "option -%c needs a value", optopt);
			if (optopt != 0 && optopt < 256 &&
			    strncmp(bad, "--", 2) != 0)
				return err_set(e, ERR_USAGE, STEP_ARGS,
				    "unknown option -%c (see --help)", optopt);
			return err_set(e, ERR_USAGE, STEP_ARGS,
			    "unknown or incomplete option \"%s\" (see --help)",
			    bad);
		}
		if (cli_one(o, c, optarg, e) < 0)
			return -1;
	}
	o->rcpts = argv + optind;
	o->nrcpt = (size_t)(argc - optind);
	return 0;
}

const char *
cli_usage(void)
{
	return
"Usage: tlsmail --host HOST [options] [-f SENDER] RECIPIENT...\n"
"       tlsmail --host HOST [options] -t < message\n"
"Reads an RFC 5322 message on standard input and submits it over TLS.\n"
"\n"
"Server and TLS:\n"
"  --host HOST            submission server (name or IP literal)\n"
"  --port N               port (default 587; 465 implies --tls=implicit)\n"
"  --tls=MODE             starttls (default), implicit, or off (plaintext)\n"
"  --cafile FILE          trust only the CA certificates in FILE\n"
"  --fingerprint SHA256   accept only this leaf certificate (pinning)\n"
"  --tls-priority STR     GnuTLS priority string (default: TLS 1.2 and up)\n"
"  --tls-verify=off       do not verify the certificate (insecure)\n"
"Authentication (the password is never given on the command line):\n"
"  --user NAME            authenticate as NAME\n"
"  --password-file FILE   first line of FILE (not group/world readable)\n"
"  --password-env VAR     the environment variable VAR\n"
"  --passwordeval CMD     first line printed by the shell command CMD\n"
"  --auth=MECH            on (default with --user), off, plain or login\n"
"  --allow-plaintext-auth allow AUTH over --tls=off (sends the password\n"
"                         in clear)\n"
"Envelope and message:\n"
"  -f ADDR                envelope sender\n"
"  -t                     recipients from To, Cc and Bcc (Bcc is removed)\n"
"  -i, -oi                accepted; standard input is always read to its end\n"
"Session and output:\n"
"  --timeout SECONDS      per-step timeout (default 60)\n"
"  --ehlo NAME            name to greet with (default: this host's FQDN)\n"
"  --report               print what protected the message, on stderr\n"
"  -v, --verbose          print the SMTP transcript (credentials masked)\n"
"  --help, --version\n"
"\n"
"Exit status follows sysexits(3); see tlsmail(1).\n";
}
