/*
 * Configuration files (msmtp syntax, tlsmail.conf(5)): every key, the
 * defaults and account inheritance, errors that name file:line, values
 * that could inject a line, the permission rule for files with secrets
 * (on real files), account selection; and what the sendmail personality
 * makes of the argv real callers use, merged into the plan.
 */
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "plan.h"
#include "ckrun.h"

static struct conf *c;
static struct err e;

static void
setup(void)
{
	err_clear(&e);
	c = conf_new();
	ck_assert_ptr_nonnull(c);
}

static void
teardown(void)
{
	conf_free(c);
	c = NULL;
}

/* Parses text as the file called name. */
static int
feed(const char *name, const char *text)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ck_assert_ptr_nonnull(fp);
	rc = conf_parse(c, fp, name, &e);
	fclose(fp);
	return rc;
}

/* Feeds a buffer that may hold NUL bytes. */
static int
feed_n(const char *name, const char *text, size_t n)
{
	FILE *fp = fmemopen((void *)text, n, "r");
	int rc;

	ck_assert_ptr_nonnull(fp);
	rc = conf_parse(c, fp, name, &e);
	fclose(fp);
	return rc;
}

static const char *
val(const char *account, enum conf_key k)
{
	const struct conf_account *a = account ? conf_find(c, account) :
	    conf_defaults(c);

	ck_assert_ptr_nonnull(a);
	return conf_get(a, k);
}

#define ck_val(acc, k, want) do {					\
	const char *v_ = val(acc, k);					\
	ck_assert_msg(v_ != NULL, "%s unset", conf_key_name(k));	\
	ck_assert_str_eq(v_, want);					\
} while (0)

/* Every key of the table with a value it accepts, and what is stored. */
static const struct {
	const char *line;
	enum conf_key key;
	const char *want;	/* NULL: set to "unset" */
} every_key[] = {
	{ "host smtp.example.org", CONF_HOST, "smtp.example.org" },
	{ "port 2525", CONF_PORT, "2525" },
	{ "timeout 30", CONF_TIMEOUT, "30" },
	{ "timeout off", CONF_TIMEOUT, NULL },
	{ "connect_timeout 12", CONF_TIMEOUT, "12" },
	{ "protocol smtp", CONF_PROTOCOL, "smtp" },
	{ "domain mail.example.org", CONF_DOMAIN, "mail.example.org" },
	{ "tls off", CONF_TLS, "off" },
	{ "tls", CONF_TLS, "on" },
	{ "tls_starttls off", CONF_TLS_STARTTLS, "off" },
	{ "tls_trust_file /etc/ssl/ca.pem", CONF_TLS_TRUST_FILE,
	    "/etc/ssl/ca.pem" },
	{ "tls_trust_file system", CONF_TLS_TRUST_FILE, NULL },
	{ "tls_fingerprint AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
	    CONF_TLS_FINGERPRINT, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
	    "67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89" },
	{ "tls_cert_file /c.pem", CONF_TLS_CERT_FILE, "/c.pem" },
	{ "tls_key_file /k.pem", CONF_TLS_KEY_FILE, "/k.pem" },
	{ "tls_priorities NORMAL:-VERS-TLS1.2", CONF_TLS_PRIORITIES,
	    "NORMAL:-VERS-TLS1.2" },
	{ "tls_host_override mx.example.org", CONF_TLS_HOST_OVERRIDE,
	    "mx.example.org" },
	{ "tls_certcheck off", CONF_TLS_CERTCHECK, "off" },
	{ "auth", CONF_AUTH, "on" },
	{ "auth LOGIN", CONF_AUTH, "login" },
	{ "auth scram-sha-256", CONF_AUTH, "scram-sha-256" },
	{ "allow_plaintext_auth on", CONF_ALLOW_PLAINTEXT_AUTH, "on" },
	{ "user alice", CONF_USER, "alice" },
	{ "user", CONF_USER, NULL },
	{ "password s3cret", CONF_PASSWORD, "s3cret" },
	{ "passwordeval pass show mail", CONF_PASSWORDEVAL, "pass show mail" },
	{ "password_file /run/pw", CONF_PASSWORD_FILE, "/run/pw" },
	{ "password_env SMTP_PW", CONF_PASSWORD_ENV, "SMTP_PW" },
	{ "from *@example.org", CONF_FROM, "*@example.org" },
	{ "from_full_name Cron Daemon", CONF_FROM_FULL_NAME, "Cron Daemon" },
	{ "aliases /etc/aliases", CONF_ALIASES, "/etc/aliases" },
	{ "logfile /var/log/tlsmail.log", CONF_LOGFILE,
	    "/var/log/tlsmail.log" },
	{ "syslog", CONF_SYSLOG, "LOG_MAIL" },
	{ "syslog LOG_LOCAL3", CONF_SYSLOG, "LOG_LOCAL3" },
	{ "syslog off", CONF_SYSLOG, NULL },
	{ "dsn_notify failure,delay", CONF_DSN_NOTIFY, "failure,delay" },
	{ "dsn_notify never", CONF_DSN_NOTIFY, "never" },
	{ "dsn_notify off", CONF_DSN_NOTIFY, NULL },
	{ "dsn_return hdrs", CONF_DSN_RETURN, "headers" },
	{ "dsn_return full", CONF_DSN_RETURN, "full" },
	{ "set_from_header on", CONF_SET_FROM_HEADER, "on" },
	{ "set_date_header off", CONF_SET_DATE_HEADER, "off" },
	{ "set_msgid_header auto", CONF_SET_MSGID_HEADER, "auto" },
	{ "remove_bcc_headers off", CONF_REMOVE_BCC_HEADERS, "off" },
	{ "undisclosed_recipients on", CONF_UNDISCLOSED_RECIPIENTS, "on" },
	{ "set_to_header on", CONF_UNDISCLOSED_RECIPIENTS, "on" },
};

START_TEST(each_key)
{
	char text[256];

	snprintf(text, sizeof(text), "account a\n%s\n", every_key[_i].line);
	ck_assert_msg(feed("rc", text) == 0, "%s: %s", every_key[_i].line,
	    e.msg);
	ck_assert(conf_find(c, "a")->v[every_key[_i].key].set);
	if (every_key[_i].want == NULL)
		ck_assert_ptr_null(val("a", every_key[_i].key));
	else
		ck_val("a", every_key[_i].key, every_key[_i].want);
}
END_TEST

/* Every key the enum has is reachable from the table. */
START_TEST(table_covers_enum)
{
	for (int k = 0; k < CONF_NKEYS; k++)
		ck_assert_str_ne(conf_key_name((enum conf_key)k), "?");
}
END_TEST

static const struct {
	const char *line;
	const char *msg;	/* in e.msg after "rc:2: " */
} bad_values[] = {
	{ "port 0", "port wants a port number" },
	{ "port 65536", "port wants a port number" },
	{ "port 25x", "port wants a port number" },
	{ "port", "port wants a port number" },
	{ "host", "host needs a host name" },
	{ "host a b", "host is not a host name" },
	{ "timeout 0", "timeout wants off or a number" },
	{ "protocol lmtp", "lmtp is not supported" },
	{ "tls maybe", "tls wants on or off" },
	{ "auth digest-md5", "auth wants on, off or a mechanism" },
	{ "tls_fingerprint 01:02", "SHA-256 fingerprint of 64" },
	{ "tls_fingerprint zz", "wants a SHA-256 fingerprint" },
	{ "syslog LOG_KERN", "syslog wants on, off" },
	{ "dsn_notify failure,,delay", "dsn_notify wants off, never" },
	{ "dsn_notify success,success", "dsn_notify wants off, never" },
	{ "dsn_notify failure,", "trailing comma" },
	{ "dsn_return some", "dsn_return wants off, headers or full" },
	{ "set_from_header maybe", "wants auto, on or off" },
	{ "set_date_header on-ish", "wants auto or off" },
	{ "logfile -", "does not log to standard output" },
	{ "domain a..b", "is not a domain name" },
	{ "hots smtp.example.org", "unknown key \"hots\"" },
	{ "proxy_host socks.example.org", "proxy_host is not supported" },
	{ "tls_crl_file /x", "tls_crl_file is not supported" },
	{ "keepbcc on", "Bcc fields are always removed" },
	{ "defaults now", "defaults takes no value" },
	{ "host \"smtp.example.org", "has no closing quote" },
	{ "host \"smtp\" x", "has text after the closing quote" },
	{ "account", "account needs a name" },
	{ "account a b", "has a comma or a blank" },
	{ "account b : nosuch", "account \"nosuch\" is not defined" },
	{ "account b : ", "an empty account name" },
};

START_TEST(bad_value)
{
	char text[256], want[128];

	snprintf(text, sizeof(text), "# first\n%s\n", bad_values[_i].line);
	ck_assert_int_eq(feed("rc", text), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	snprintf(want, sizeof(want), "rc:2: ");
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, bad_values[_i].msg) != NULL, "%s: %s",
	    bad_values[_i].line, e.msg);
}
END_TEST

START_TEST(syntax)
{
	ck_assert_int_eq(feed("rc",
	    "  # indented comment\n"
	    "\n"
	    "\t\n"
	    "host   spaced.example.org   \n"
	    "from_full_name \"  Two  Blanks \"\n"
	    "password \"a \\\"quoted\\\" \\\\ pass\"\n"
	    "user un\"quoted\n"
	    "auth\tplain\r\n"
	    "passwordeval echo \"#notacomment\"\n"), 0);
	ck_val(NULL, CONF_HOST, "spaced.example.org");
	ck_val(NULL, CONF_FROM_FULL_NAME, "  Two  Blanks ");
	ck_val(NULL, CONF_USER, "un\"quoted");
	ck_val(NULL, CONF_AUTH, "plain");
	/* the last password source written wins, the others are unset */
	ck_val(NULL, CONF_PASSWORDEVAL, "echo \"#notacomment\"");
	ck_assert_ptr_null(val(NULL, CONF_PASSWORD));
	ck_assert(conf_defaults(c)->v[CONF_PASSWORD].set);
}
END_TEST

START_TEST(quoted_password_kept_exactly)
{
	ck_assert_int_eq(feed("rc", "password \"a \\\"q\\\" \\\\ p\"\n"), 0);
	ck_val(NULL, CONF_PASSWORD, "a \"q\" \\ p");
}
END_TEST

START_TEST(tilde_is_home)
{
	setenv("HOME", "/home/alice", 1);
	ck_assert_int_eq(feed("rc", "logfile ~/tlsmail.log\n"
	    "aliases ~\ntls_trust_file ~bob/ca\n"), 0);
	ck_val(NULL, CONF_LOGFILE, "/home/alice/tlsmail.log");
	ck_val(NULL, CONF_ALIASES, "/home/alice");
	ck_val(NULL, CONF_TLS_TRUST_FILE, "~bob/ca");
}
END_TEST

/* CR, LF, NUL or any control character in a value: the value could end
 * an SMTP command or a log line early. */
START_TEST(injection_in_values)
{
	static const char nul[] = "host a.example.org\0MAIL FROM:<x>\n";

	ck_assert_int_eq(feed("rc", "host a.example.org\rRCPT TO:<x>\n"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "rc:1: a control character "
	    "(\\x0d)"));
	ck_assert_int_eq(feed("rc2", "user ok\nfrom a@b.org\x1b[2J\n"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "rc2:2: a control character "
	    "(\\x1b)"));
	ck_assert_int_eq(feed("rc3", "password \"x\ny\"\n"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "rc3:1: the value has no "
	    "closing quote"));
	ck_assert_int_eq(feed_n("rc4", nul, sizeof(nul) - 1), -1);
	ck_assert_str_eq(e.msg, "rc4:1: a NUL byte is not allowed");
	ck_assert_int_eq(feed("rc5", "from_full_name a\x7f" "b\n"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "(\\x7f)"));
}
END_TEST

START_TEST(long_lines)
{
	size_t n = 100000;
	char *text = malloc(n + 17);

	memcpy(text, "from_full_name ", 15);
	memset(text + 15, 'x', n);
	strcpy(text + 15 + n, "\n");
	ck_assert_int_eq(feed("rc", text), 0);
	ck_assert_uint_eq(strlen(val(NULL, CONF_FROM_FULL_NAME)), n);
	free(text);
}
END_TEST

/* msmtp: an account starts from the defaults as they are at its line. */
START_TEST(defaults_are_copied_at_the_account_line)
{
	ck_assert_int_eq(feed("rc",
	    "port 2525\n"			/* before any section */
	    "defaults\n"
	    "tls_starttls off\n"
	    "account a\n"
	    "host a.example.org\n"
	    "defaults\n"
	    "timeout 9\n"
	    "account b\n"
	    "host b.example.org\n"), 0);
	ck_val("a", CONF_PORT, "2525");
	ck_val("a", CONF_TLS_STARTTLS, "off");
	ck_assert_ptr_null(val("a", CONF_TIMEOUT));
	ck_val("b", CONF_TIMEOUT, "9");
	ck_val("b", CONF_PORT, "2525");
	ck_assert_ptr_null(val("b", CONF_FROM));
}
END_TEST

START_TEST(inheritance)
{
	ck_assert_int_eq(feed("rc",
	    "defaults\n"
	    "timeout 5\n"
	    "account base\n"
	    "host base.example.org\n"
	    "user alice\n"
	    "password one\n"
	    "account other\n"
	    "host other.example.org\n"
	    "passwordeval cat /x\n"
	    "port 465\n"
	    "account both : base, other\n"
	    "from me@example.org\n"
	    "account reset : base\n"
	    "user\n"), 0);
	/* parents in order, the later wins; the account's own lines last */
	ck_val("both", CONF_HOST, "other.example.org");
	ck_val("both", CONF_USER, "alice");
	ck_val("both", CONF_PASSWORDEVAL, "cat /x");
	ck_assert_ptr_null(val("both", CONF_PASSWORD));
	ck_val("both", CONF_PORT, "465");
	ck_val("both", CONF_TIMEOUT, "5");
	ck_val("both", CONF_FROM, "me@example.org");
	ck_assert_ptr_null(val("reset", CONF_USER));
	ck_val("reset", CONF_PASSWORD, "one");
	/* the parent is unchanged */
	ck_val("base", CONF_USER, "alice");
}
END_TEST

START_TEST(duplicate_account_in_one_file)
{
	ck_assert_int_eq(feed("rc", "account a\nhost x\n\naccount a\n"), -1);
	ck_assert_str_eq(e.msg, "rc:4: account \"a\" was already defined on "
	    "line 1");
}
END_TEST

/* The user file comes after the system file: its account of the same
 * name replaces, its defaults continue, its accounts may inherit. */
START_TEST(two_files)
{
	ck_assert_int_eq(feed("/etc/tlsmail.conf",
	    "defaults\n"
	    "host smarthost.example.org\n"
	    "domain example.org\n"
	    "account relay\n"
	    "port 2525\n"
	    "account default : relay\n"), 0);
	ck_assert_int_eq(feed("/home/a/.tlsmailrc",
	    "defaults\n"
	    "timeout 7\n"
	    "account mine : relay\n"
	    "user alice\n"
	    "account default : mine\n"), 0);
	ck_assert_uint_eq(conf_nfiles(c), 2);
	ck_val("mine", CONF_HOST, "smarthost.example.org");
	ck_val("mine", CONF_PORT, "2525");
	ck_val("mine", CONF_TIMEOUT, "7");
	ck_val("default", CONF_USER, "alice");
	ck_assert_str_eq(conf_find(c, "default")->file, "/home/a/.tlsmailrc");
	ck_assert_uint_eq(conf_find(c, "default")->line, 5);
	ck_assert_ptr_null(val("relay", CONF_TIMEOUT));
}
END_TEST

START_TEST(selection)
{
	const struct conf_account *a;

	ck_assert_int_eq(feed("sys",
	    "account sysfrom\nfrom *@Example.ORG\nhost s\n"), 0);
	ck_assert_int_eq(feed("user",
	    "account work\nhost w\nfrom *@example.org\n"
	    "account home\nhost h\nfrom me@home.example\n"
	    "account default\nhost d\n"), 0);
	ck_assert_str_eq(conf_select(c, "home", "x@example.org", &e)->name,
	    "home");
	/* the user file first, case ignored */
	ck_assert_str_eq(conf_select(c, NULL, "Bob@EXAMPLE.org", &e)->name,
	    "work");
	ck_assert_str_eq(conf_select(c, NULL, "me@home.example", &e)->name,
	    "home");
	ck_assert_str_eq(conf_select(c, NULL, "other@else.example", &e)->name,
	    "default");
	ck_assert_str_eq(conf_select(c, NULL, NULL, &e)->name, "default");
	ck_assert_ptr_null(conf_select(c, "nosuch", NULL, &e));
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "no account \"nosuch\""));
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(feed("rc", "host only.defaults\n"), 0);
	a = conf_select(c, NULL, "a@b.org", &e);
	ck_assert_ptr_eq(a, conf_defaults(c));
	ck_assert_ptr_null(a->name);
}
END_TEST

static char tmpl[64];

static const char *
tmpfile_with(const char *text, mode_t mode)
{
	int fd;

	strcpy(tmpl, "/tmp/check_conf.XXXXXX");
	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return tmpl;
}

START_TEST(permissions_of_files_with_secrets)
{
	const char *f;

	f = tmpfile_with("account a\nhost h\n\npassword s3cret\n", 0644);
	ck_assert_int_eq(conf_load(c, f, false, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, ":4: a password in a file that "
	    "others can read"));
	ck_assert_ptr_nonnull(strstr(e.msg, f));
	ck_assert_ptr_nonnull(strstr(e.hint, "chmod 600"));
	ck_assert_ptr_nonnull(strstr(e.hint, f));
	unlink(f);

	f = tmpfile_with("passwordeval pass show x\n", 0640);
	ck_assert_int_eq(conf_load(c, f, false, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, ":1: a password"));
	unlink(f);

	f = tmpfile_with("password s3cret\n", 0600);
	ck_assert_int_eq(conf_load(c, f, false, &e), 0);
	unlink(f);

	/* no secret: readable by all is fine; an unset password too */
	f = tmpfile_with("host h\npassword\npassword_file /x\n", 0644);
	ck_assert_int_eq(conf_load(c, f, false, &e), 0);
	unlink(f);
}
END_TEST

START_TEST(owner_of_files_with_secrets)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_uid = geteuid();
	ck_assert_int_eq(conf_secret_file_ok("f", 3, &st, &e), 0);
	st.st_uid = geteuid() + 1;
	ck_assert_int_eq(conf_secret_file_ok("f", 3, &st, &e), -1);
	ck_assert_str_eq(e.msg, "f:3: a password in a file owned by another "
	    "user");
	ck_assert_ptr_nonnull(strstr(e.hint, "chown"));
	st.st_uid = geteuid();
	st.st_mode = S_IFREG | 0602;
	ck_assert_int_eq(conf_secret_file_ok("f", 3, &st, &e), -1);
	st.st_mode = S_IFIFO | 0600;
	ck_assert_int_eq(conf_secret_file_ok("f", 3, &st, &e), -1);
}
END_TEST

START_TEST(missing_files)
{
	ck_assert_int_eq(conf_load(c, "/nonexistent/tlsmail.conf", true, &e),
	    0);
	ck_assert_uint_eq(conf_nfiles(c), 0);
	ck_assert_int_eq(conf_load(c, "/nonexistent/rc", false, &e), -1);
	ck_assert_int_eq(e.cls, ERR_NOINPUT);
	ck_assert_int_eq(conf_load(c, "/tmp", false, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
}
END_TEST

START_TEST(user_path)
{
	char dir[] = "/tmp/check_conf_xdg.XXXXXX", path[128];
	char *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	p = conf_user_path();
	snprintf(path, sizeof(path), "%s/.tlsmailrc", dir);
	ck_assert_str_eq(p, path);
	free(p);
	/* the XDG file wins when it exists */
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/tlsmail", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tlsmail/config", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	p = conf_user_path();
	ck_assert_str_eq(p, path);
	free(p);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tlsmail", dir);
	rmdir(path);
	rmdir(dir);
	ck_assert_str_eq(conf_system_path(), SYSCONFDIR "/tlsmail.conf");
}
END_TEST

/* The sendmail personality and the plan. */

static struct options o;
static struct plan p;
static char *av[32];

static int
parse(const char *argv0, char *const *args, int n)
{
	av[0] = (char *)argv0;
	if (n > 0)
		memcpy(av + 1, args, (size_t)n * sizeof(*args));
	av[n + 1] = NULL;
	return cli_parse(&o, n + 1, av, &e);
}

#define ARGV(...)	((char *const[]){ __VA_ARGS__ })
#define ARGC(...)	((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(char *)))
#define SENDMAIL(...)	parse("/usr/sbin/sendmail", ARGV(__VA_ARGS__), \
	ARGC(__VA_ARGS__))
#define TLSMAIL(...)	parse("tlsmail", ARGV(__VA_ARGS__), ARGC(__VA_ARGS__))

static void
plan_teardown(void)
{
	plan_free(&p);
	teardown();
}

/* Debian cron 3.0pl1: sendmail -FCronDaemon -i -B8BITMIME -oem USER. */
START_TEST(debian_cron_argv)
{
	ck_assert_int_eq(SENDMAIL("-FCronDaemon", "-i", "-B8BITMIME", "-oem",
	    "root"), 0);
	ck_assert(o.sendmail);
	ck_assert_str_eq(o.fullname, "CronDaemon");
	ck_assert_str_eq(o.body, "8BITMIME");
	ck_assert_uint_eq(o.nrcpt, 1);
	ck_assert_str_eq(o.rcpts[0], "root");
	ck_assert_int_eq(feed("rc", "host smarthost.example.org\n"
	    "domain example.org\n"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_str_eq(p.host, "smarthost.example.org");
	ck_assert_str_eq(p.ehlo, "example.org");
	ck_assert_str_eq(p.domain, "example.org");
	ck_assert_str_eq(p.fullname, "CronDaemon");
	ck_assert(p.sendmail);
	ck_assert_int_eq(p.tls, PLAN_TLS_STARTTLS);
	ck_assert_uint_eq(p.port, 587);
}
END_TEST

/* vixie cron, PHP, Python, mailx, git send-email. */
START_TEST(other_callers_argv)
{
	ck_assert_int_eq(SENDMAIL("-FCronDaemon", "-odi", "-oem", "-oi",
	    "-t"), 0);
	ck_assert(o.read_rcpts);
	ck_assert_uint_eq(o.nrcpt, 0);
	ck_assert_int_eq(SENDMAIL("-t", "-i"), 0);
	ck_assert_int_eq(SENDMAIL("-oi", "-t"), 0);
	ck_assert_int_eq(SENDMAIL("-i", "--", "-odd@example.org"), 0);
	ck_assert_str_eq(o.rcpts[0], "-odd@example.org");
	ck_assert_int_eq(SENDMAIL("-i", "-f", "me@example.org", "-v",
	    "a@example.org", "b@example.org"), 0);
	ck_assert_str_eq(o.from, "me@example.org");
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_uint_eq(o.nrcpt, 2);
	ck_assert_int_eq(SENDMAIL("-odb", "-ew", "x@example.org"), -1);
	ck_assert_str_eq(e.msg, "unknown option -e (see --help)");
	ck_assert_int_eq(SENDMAIL("-rme@example.org", "-oQ/var/spool",
	    "-odb", "-oep", "-om", "-LTAG", "-h", "17", "-n", "-U", "-G",
	    "-bm", "-oee", "-oeq", "-odq", "x@example.org"), 0);
	ck_assert_str_eq(o.from, "me@example.org");
	ck_assert_uint_eq(o.nrcpt, 1);
	ck_assert_int_eq(SENDMAIL("-N", "success,delay", "-R", "hdrs", "-V",
	    "env-1", "-B", "7bit", "-a", "work", "-C", "/x/rc", "r"), 0);
	ck_assert_str_eq(o.dsn_notify, "success,delay");
	ck_assert_str_eq(o.dsn_return, "hdrs");
	ck_assert_str_eq(o.dsn_envid, "env-1");
	ck_assert_str_eq(o.body, "7BIT");
	ck_assert_str_eq(o.account, "work");
	ck_assert_str_eq(o.conffile, "/x/rc");
	/* tlsmail's long options work in the personality too */
	ck_assert_int_eq(SENDMAIL("--host", "h.example.org", "--port", "25",
	    "--tls=off", "r"), 0);
	ck_assert_str_eq(o.host, "h.example.org");
}
END_TEST

START_TEST(sendmail_modes)
{
	ck_assert_int_eq(SENDMAIL("-bi"), 0);
	ck_assert_int_eq(o.action, CLI_NEWALIASES);
	ck_assert_int_eq(parse("/usr/bin/newaliases", NULL, 0), 0);
	ck_assert_int_eq(o.action, CLI_NEWALIASES);
	ck_assert_int_eq(SENDMAIL("-bs"), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "-bs (SMTP on standard input)"));
	ck_assert_int_eq(SENDMAIL("-bp"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-bp (list the queue)"));
	ck_assert_int_eq(SENDMAIL("-q"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-q (run the queue)"));
	ck_assert_int_eq(SENDMAIL("-q30m"), -1);
	ck_assert_int_eq(SENDMAIL("-bd"), -1);
	ck_assert_int_eq(SENDMAIL("-bz"), -1);
	ck_assert_str_eq(e.msg, "unknown option -bz");
	ck_assert_int_eq(parse("mailq", NULL, 0), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
}
END_TEST

START_TEST(sendmail_unknown_flags)
{
	ck_assert_int_eq(SENDMAIL("-X", "/tmp/log", "r"), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_str_eq(e.msg, "unknown option -X (see --help)");
	ck_assert_int_eq(SENDMAIL("-oZ"), -1);
	ck_assert_str_eq(e.msg, "unknown option -oZ");
	ck_assert_int_eq(SENDMAIL("-B9BIT"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-B wants 7BIT or 8BITMIME"));
	ck_assert_int_eq(SENDMAIL("-f"), -1);
	/* the tlsmail personality keeps sendmail's modes out */
	ck_assert_int_eq(TLSMAIL("-B8BITMIME", "r"), -1);
	ck_assert_int_eq(TLSMAIL("-h", "3", "r"), -1);
	ck_assert_int_eq(TLSMAIL("-FName", "-r", "a@b.org", "-oem", "r"), 0);
	ck_assert(!o.sendmail);
}
END_TEST

/* The command line wins over the account, field by field. */
START_TEST(command_line_over_config)
{
	ck_assert_int_eq(feed("rc",
	    "account work\n"
	    "host w.example.org\n"
	    "port 2525\n"
	    "tls_starttls off\n"
	    "tls_trust_file /ca.pem\n"
	    "tls_certcheck off\n"
	    "user alice\n"
	    "password s3cret\n"
	    "from work@example.org\n"
	    "from_full_name Work\n"
	    "timeout 9\n"
	    "tls_host_override cert.example.org\n"
	    "aliases /etc/aliases\n"
	    "logfile /var/log/t\n"
	    "syslog LOG_LOCAL1\n"
	    "dsn_notify failure\n"
	    "set_from_header off\n"
	    "set_date_header off\n"
	    "remove_bcc_headers off\n"
	    "undisclosed_recipients on\n"), 0);
	ck_assert_int_eq(TLSMAIL("-a", "work", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_str_eq(p.account, "work");
	ck_assert_str_eq(p.host, "w.example.org");
	ck_assert_uint_eq(p.port, 2525);
	ck_assert_int_eq(p.tls, PLAN_TLS_IMPLICIT);
	ck_assert_str_eq(p.cafile, "/ca.pem");
	ck_assert(p.tls_no_verify);
	ck_assert_int_eq(p.pw_source, PLAN_PW_VALUE);
	ck_assert_str_eq(p.pw_arg, "s3cret");
	ck_assert_str_eq(p.from, "work@example.org");
	ck_assert_str_eq(p.fullname, "Work");
	ck_assert_int_eq(p.timeout, 9);
	ck_assert_str_eq(p.tls_name, "cert.example.org");
	ck_assert_str_eq(p.aliases, "/etc/aliases");
	ck_assert_str_eq(p.logfile, "/var/log/t");
	ck_assert_str_eq(p.syslog, "LOG_LOCAL1");
	ck_assert_str_eq(p.dsn_notify, "failure");
	ck_assert_int_eq(p.set_from_header, PLAN_HDR_OFF);
	ck_assert_int_eq(p.set_date_header, PLAN_HDR_OFF);
	ck_assert_int_eq(p.set_msgid_header, PLAN_HDR_AUTO);
	ck_assert(!p.remove_bcc_headers);
	ck_assert(p.undisclosed_recipients);
	plan_free(&p);

	ck_assert_int_eq(TLSMAIL("-a", "work", "--port", "587", "--tls",
	    "starttls", "--tls-verify=on", "--password-env", "PW", "-f",
	    "me@example.org", "-F", "Me", "--timeout", "3", "-N", "never",
	    "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_uint_eq(p.port, 587);
	ck_assert_int_eq(p.tls, PLAN_TLS_STARTTLS);
	ck_assert(!p.tls_no_verify);
	ck_assert_int_eq(p.pw_source, PLAN_PW_ENV);
	ck_assert_str_eq(p.from, "me@example.org");
	ck_assert_str_eq(p.fullname, "Me");
	ck_assert_int_eq(p.timeout, 3);
	ck_assert_str_eq(p.dsn_notify, "never");
}
END_TEST

START_TEST(config_rules_are_the_command_lines)
{
	ck_assert_int_eq(feed("rc",
	    "account clear\nhost h\ntls off\nuser u\npassword p\n"
	    "account clear2 : clear\nallow_plaintext_auth on\n"
	    "account wild\nhost h\nfrom *@example.org\n"), 0);
	ck_assert_int_eq(TLSMAIL("-a", "clear", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "in clear"));
	ck_assert_int_eq(TLSMAIL("-a", "clear2", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_int_eq(p.tls, PLAN_TLS_OFF);
	plan_free(&p);
	/* a wildcard from picks the account but is no sender */
	ck_assert_int_eq(TLSMAIL("-f", "a@example.org", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_str_eq(p.account, "wild");
	ck_assert_str_eq(p.from, "a@example.org");
	plan_free(&p);
	ck_assert_int_eq(TLSMAIL("-a", "wild", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_ptr_null(p.from);
	plan_free(&p);
	ck_assert_int_eq(TLSMAIL("-a", "none", "r@x.org"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_int_eq(e.cls, ERR_CONFIG);
	/* no config and no --host */
	ck_assert_int_eq(SENDMAIL("-t"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, NULL, &e), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e.hint, "tlsmail.conf(5)"));
	ck_assert(!p.pretend);
}
END_TEST

START_TEST(header_and_dsn_values_checked)
{
	ck_assert_int_eq(feed("rc", "host h\n"), 0);
	ck_assert_int_eq(SENDMAIL("-F", "Evil\r\nBcc: x@y.org", "r"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_int_eq(e.cls, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "full name"));
	ck_assert_int_eq(SENDMAIL("-N", "sometimes", "r"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-N wants"));
	ck_assert_int_eq(SENDMAIL("-R", "body", "r"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-R wants"));
	ck_assert_int_eq(SENDMAIL("-V", "a b", "r"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "-V wants"));
	ck_assert_int_eq(SENDMAIL("-F", "J\xc3\xa9r\xc3\xb4me", "-R", "full",
	    "-N", "failure,delay", "-V", "id+1", "--pretend", "r"), 0);
	ck_assert_int_eq(plan_build_conf(&p, &o, c, &e), 0);
	ck_assert_str_eq(p.dsn_return, "full");
	ck_assert_str_eq(p.dsn_envid, "id+1");
	ck_assert(p.pretend);
	ck_assert(p.remove_bcc_headers);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");
	TCase *files = tcase_create("files"), *sm = tcase_create("sendmail");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_checked_fixture(sm, setup, plan_teardown);
	tcase_add_loop_test(core, each_key, 0,
	    (int)(sizeof(every_key) / sizeof(every_key[0])));
	tcase_add_test(core, table_covers_enum);
	tcase_add_test(core, syntax);
	tcase_add_test(core, quoted_password_kept_exactly);
	tcase_add_test(core, tilde_is_home);
	tcase_add_test(core, defaults_are_copied_at_the_account_line);
	tcase_add_test(core, inheritance);
	tcase_add_test(core, two_files);
	tcase_add_test(core, selection);
	tcase_add_loop_test(lim, bad_value, 0,
	    (int)(sizeof(bad_values) / sizeof(bad_values[0])));
	tcase_add_test(lim, injection_in_values);
	tcase_add_test(lim, long_lines);
	tcase_add_test(lim, duplicate_account_in_one_file);
	tcase_add_test(files, permissions_of_files_with_secrets);
	tcase_add_test(files, owner_of_files_with_secrets);
	tcase_add_test(files, missing_files);
	tcase_add_test(files, user_path);
	tcase_add_test(sm, debian_cron_argv);
	tcase_add_test(sm, other_callers_argv);
	tcase_add_test(sm, sendmail_modes);
	tcase_add_test(sm, sendmail_unknown_flags);
	tcase_add_test(sm, command_line_over_config);
	tcase_add_test(sm, config_rules_are_the_command_lines);
	tcase_add_test(sm, header_and_dsn_values_checked);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	suite_add_tcase(s, files);
	suite_add_tcase(s, sm);
	return s;
}

int
main(void)
{
	return ck_run(conf_suite());
}
