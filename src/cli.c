#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

enum {
	OPT_HOST = 256, OPT_PORT, OPT_TLS, OPT_CAFILE, OPT_FINGERPRINT,
	OPT_TLS_PRIORITY, OPT_TLS_VERIFY, OPT_USER, OPT_PASSWORD_FILE,
	OPT_TLS_CERT_FILE, OPT_TLS_KEY_FILE,
	OPT_PASSWORD_ENV, OPT_PASSWORDEVAL, OPT_AUTH, OPT_PLAIN_AUTH,
	OPT_TIMEOUT, OPT_EHLO, OPT_REPORT, OPT_HELP, OPT_VERSION,
	OPT_PROBE, OPT_JSON, OPT_WARN_DAYS,
	OPT_PRETEND,
	OPT_BCC, OPT_REPLY_TO, OPT_HEADER, OPT_ATTACH
};

static const struct option cli_longopts[] = {
	{ "host",		required_argument, NULL, OPT_HOST },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "tls",		required_argument, NULL, OPT_TLS },
	{ "cafile",		required_argument, NULL, OPT_CAFILE },
	{ "fingerprint",	required_argument, NULL, OPT_FINGERPRINT },
	{ "tls-priority",	required_argument, NULL, OPT_TLS_PRIORITY },
	{ "tls-verify",		required_argument, NULL, OPT_TLS_VERIFY },
	{ "tls-cert-file",	required_argument, NULL, OPT_TLS_CERT_FILE },
	{ "tls-key-file",	required_argument, NULL, OPT_TLS_KEY_FILE },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "password-file",	required_argument, NULL, OPT_PASSWORD_FILE },
	{ "password-env",	required_argument, NULL, OPT_PASSWORD_ENV },
	{ "passwordeval",	required_argument, NULL, OPT_PASSWORDEVAL },
	{ "auth",		required_argument, NULL, OPT_AUTH },
	{ "allow-plaintext-auth", no_argument,	   NULL, OPT_PLAIN_AUTH },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "ehlo",		required_argument, NULL, OPT_EHLO },
	{ "report",		no_argument,	   NULL, OPT_REPORT },
	{ "probe",		required_argument, NULL, OPT_PROBE },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "warn-days",		required_argument, NULL, OPT_WARN_DAYS },
	{ "account",		required_argument, NULL, 'a' },
	{ "file",		required_argument, NULL, 'C' },
	{ "pretend",		no_argument,	   NULL, OPT_PRETEND },
	{ "subject",		required_argument, NULL, 's' },
	{ "cc",			required_argument, NULL, 'c' },
	{ "bcc",		required_argument, NULL, OPT_BCC },
	{ "reply-to",		required_argument, NULL, OPT_REPLY_TO },
	{ "header",		required_argument, NULL, OPT_HEADER },
	{ "attach",		required_argument, NULL, OPT_ATTACH },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Options may follow recipients (GNU argument permutation); "--" ends
 * them, for an address that starts with '-'.  -o takes an argument so
 * that sendmail's "-oi" parses as "-o i". */
/* -s, -c and -b compose (as in mailx); called as sendmail, -b is the
 * mode (-bm) and they are not taken. */
static const char cli_shortopts[] = "f:to:iva:C:F:N:R:V:r:s:c:b:";
/* Called as sendmail: also the flags that callers pass out of habit
 * ("-FCronDaemon", "-B8BITMIME", "-bm", "-oQ/path" all fit getopt). */
static const char cli_sendmail_shortopts[] =
	"f:to:iva:C:F:N:R:V:r:B:b:h:L:q::nUGm";

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

/*
 * The sendmail flags callers pass out of habit, accepted and ignored: the
 * one list (dma and OpenSMTPD's enqueue keep one too).  -i and -oi: a
 * lone dot is not the end, tlsmail always reads to EOF; -od* delivery
 * mode and -oe* error mode: tlsmail delivers now and reports by exit
 * status; -om, -m: the sender is never dropped; -oQ queue directory,
 * -L syslog tag, -h hop count, -n no aliasing, -U initial submission,
 * -G gateway.  Returns true for those.
 */
static bool
cli_ignored(int c, const char *arg)
{
	switch (c) {
	case 'i': case 'L': case 'h': case 'n': case 'U': case 'G': case 'm':
		return true;
	case 'o':
		return strcmp(arg, "i") == 0 || strcmp(arg, "m") == 0 ||
		    strcmp(arg, "di") == 0 || strcmp(arg, "db") == 0 ||
		    strcmp(arg, "dq") == 0 || strcmp(arg, "em") == 0 ||
		    strcmp(arg, "ep") == 0 || strcmp(arg, "eq") == 0 ||
		    strcmp(arg, "ew") == 0 || strcmp(arg, "ee") == 0 ||
		    arg[0] == 'Q';
	}
	return false;
}

/* -b MODE: -bm is sending, -bi has nothing to rebuild; the modes that
 * need a queue or a daemon are refused by name. */
static int
cli_b_mode(struct options *o, const char *arg, struct err *e)
{
	const char *why = NULL;

	if (strcmp(arg, "m") == 0)
		return 0;
	if (strcmp(arg, "i") == 0) {
		o->action = CLI_NEWALIASES;
		return 0;
	}
	if (strcmp(arg, "s") == 0)
		why = "-bs (SMTP on standard input) is not supported: tlsmail "
		    "reads a message, not an SMTP session";
	else if (strcmp(arg, "p") == 0)
		why = "-bp (list the queue) is not supported: tlsmail keeps no "
		    "queue";
	else if (strcmp(arg, "d") == 0 || strcmp(arg, "D") == 0)
		why = "-bd (run as a daemon) is not supported: tlsmail only "
		    "sends";
	else if (strcmp(arg, "t") == 0 || strcmp(arg, "v") == 0)
		why = "-bt and -bv (address test modes) are not supported";
	if (why == NULL)
		return err_set(e, ERR_USAGE, STEP_ARGS, "unknown option -b%s",
		    arg);
	return err_set(e, ERR_USAGE, STEP_ARGS, "%s", why);
}

static int
cli_body(struct options *o, const char *arg, struct err *e)
{
	if (strcasecmp(arg, "7BIT") == 0)
		o->body = "7BIT";
	else if (strcasecmp(arg, "8BITMIME") == 0)
		o->body = "8BITMIME";
	else
		return err_set(e, ERR_USAGE, STEP_ARGS,
		    "-B wants 7BIT or 8BITMIME, not \"%s\"", arg);
	return 0;
}

/* The sendmail envelope and personality flags. */
static int
cli_sendmail_one(struct options *o, int c, const char *arg, struct err *e)
{
	switch (c) {
	case 'r':		o->from = arg; break;	/* old name of -f */
	case 'a':		o->account = arg; break;
	case 'C':		o->conffile = arg; break;
	case 'F':		o->fullname = arg; break;
	case 'N':		o->dsn_notify = arg; break;
	case 'R':		o->dsn_return = arg; break;
	case 'V':		o->dsn_envid = arg; break;
	case 'B':		return cli_body(o, arg, e);
	case 'b':		return cli_b_mode(o, arg, e);
	case 'q':
		return err_set(e, ERR_USAGE, STEP_ARGS, "-q (run the queue) "
		    "is not supported: tlsmail keeps no queue, a failed send "
		    "exits 75 for the caller to retry");
	default:
		if (cli_ignored(c, arg))
			return 0;
		if (c == 'o')
			return err_set(e, ERR_USAGE, STEP_ARGS,
			    "unknown option -o%s", arg);
		return err_set(e, ERR_USAGE, STEP_ARGS, "internal: option %d",
		    c);
	}
	return 0;
}

/* Repeatable options: a list of pointers into argv. */
static int
cli_list_add(char ***list, size_t *n, const char *arg, struct err *e)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (l == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	l[(*n)++] = (char *)arg;
	*list = l;
	return 0;
}

void
cli_free(struct options *o)
{
	free(o->cc);
	free(o->bcc);
	free(o->headers);
	free(o->attach);
	o->cc = o->bcc = o->headers = o->attach = NULL;
	o->ncc = o->nbcc = o->nheader = o->nattach = 0;
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
	case OPT_TLS_VERIFY:
		o->tls_verify_given = true;
		return cli_tls_verify(arg, &o->tls_no_verify, e);
	case OPT_TLS_CERT_FILE:	o->tls_cert_file = arg; break;
	case OPT_TLS_KEY_FILE:	o->tls_key_file = arg; break;
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
	case OPT_PROBE:
		o->probe = arg;
		if (o->action == CLI_SEND)
			o->action = CLI_PROBE;
		break;
	case OPT_JSON:		o->json = true; break;
	case OPT_WARN_DAYS:
		if (cli_number(arg, 0, 3650, "--warn-days", &v, e) < 0)
			return -1;
		o->warn_days = (int)v;
		break;
	case OPT_HELP:		o->action = CLI_HELP; break;
	case OPT_VERSION:	o->action = CLI_VERSION; break;
	case 'f':		o->from = arg; break;
	case 't':		o->read_rcpts = true; break;
	case 'v':		o->verbose++; break;
	case OPT_PRETEND:	o->pretend = true; break;
	case 's':		o->subject = arg; break;
	case OPT_REPLY_TO:	o->reply_to = arg; break;
	case 'c':		return cli_list_add(&o->cc, &o->ncc, arg, e);
	case OPT_BCC:		return cli_list_add(&o->bcc, &o->nbcc, arg, e);
	case OPT_HEADER:
		return cli_list_add(&o->headers, &o->nheader, arg, e);
	case OPT_ATTACH:
		return cli_list_add(&o->attach, &o->nattach, arg, e);
	case 'b':
		if (!o->sendmail)
			return cli_list_add(&o->bcc, &o->nbcc, arg, e);
		return cli_sendmail_one(o, c, arg, e);
	default:
		return cli_sendmail_one(o, c, arg, e);
	}
	return 0;
}

/* The name tlsmail is called by, from any directory: sendmail (the drop-in
 * for cron, mail, git and PHP), newaliases (nothing to rebuild: aliases
 * are read as they are), mailq (no queue to list). */
static int
cli_personality(struct options *o, const char *argv0, struct err *e)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0 ? argv0 : "";
	if (strcmp(base, "sendmail") == 0)
		o->sendmail = true;
	else if (strcmp(base, "newaliases") == 0) {
		o->sendmail = true;
		o->action = CLI_NEWALIASES;
	} else if (strcmp(base, "mailq") == 0)
		return err_set(e, ERR_USAGE, STEP_ARGS, "mailq: tlsmail keeps "
		    "no queue to list");
	return 0;
}

int
cli_parse(struct options *o, int argc, char **argv, struct err *e)
{
	int c, li;

	memset(o, 0, sizeof(*o));
	o->warn_days = -1;
	if (cli_personality(o, argc > 0 ? argv[0] : NULL, e) < 0)
		return -1;
	optind = 0;		/* glibc: full reinitialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, o->sendmail ?
	    cli_sendmail_shortopts : cli_shortopts, cli_longopts,
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
"       tlsmail [-a ACCOUNT] [options] RECIPIENT...   (server from config)\n"
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
"  --auth=MECH            on (default with --user: strongest in common),\n"
"                         off, scram-sha-256[-plus], scram-sha-1[-plus],\n"
"                         plain, login, cram-md5, external, xoauth2,\n"
"                         oauthbearer (token from the password source)\n"
"  --tls-cert-file FILE   client certificate (PEM or PKCS #11 URI), for\n"
"                         --auth=external\n"
"  --tls-key-file FILE    its key (default: in the certificate file)\n"
"  --allow-plaintext-auth allow AUTH over --tls=off (sends the password\n"
"                         in clear)\n"
"Envelope and message:\n"
"  -f ADDR, -r ADDR       envelope sender\n"
"  -t                     recipients from To, Cc and Bcc (Bcc is removed)\n"
"  -i, -oi                accepted; standard input is always read to its end\n"
"  -F NAME                the sender's full name\n"
"  -N COND, -R RET, -V ID DSN: never or success,failure,delay; headers or\n"
"                         full; envelope id\n"
"Composing (standard input is then the body; see tlsmail(1)):\n"
"  -s, --subject TEXT     Subject\n"
"  -c, --cc ADDR          a Cc recipient (repeatable)\n"
"  -b, --bcc ADDR         a blind copy: envelope only (repeatable)\n"
"  --reply-to ADDR        Reply-To\n"
"  --header 'NAME: TEXT'  one more header field (repeatable)\n"
"  --attach FILE          attach FILE (repeatable)\n"
"Configuration (see tlsmail.conf(5)):\n"
"  -a, --account NAME     use this account of the configuration files\n"
"  -C, --file FILE        read FILE instead of the user configuration file\n"
"  --pretend              print the settings that would be used, and exit\n"
"Called as sendmail, tlsmail takes its server from the configuration and\n"
"accepts sendmail's flags; see tlsmail(1), SENDMAIL PERSONALITY.\n"
"Session and output:\n"
"  --timeout SECONDS      per-step timeout (default 60)\n"
"  --ehlo NAME            name to greet with (default: this host's FQDN)\n"
"  --report               print what protected the message, on stderr\n"
"  -v, --verbose          print the SMTP transcript (credentials masked)\n"
"  --json                 print one JSON object on stdout (send or probe)\n"
"  --help, --version\n"
"Probe (is this server using TLS, and how well?):\n"
"  --probe HOST[:PORT]    report on the server's TLS and exit 0 ok, 1 warn,\n"
"                         2 fail, 3 could not probe; no PORT: 587, 465, 25\n"
"  --warn-days N          warn when a certificate expires within N days\n"
"                         (default 14)\n"
"\n"
"Exit status follows sysexits(3), or with --probe the Nagios convention;\n"
"see tlsmail(1).\n";
}
