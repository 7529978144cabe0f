/*
 * conf: the configuration files, in msmtp's syntax, so that an existing
 * ~/.msmtprc works when passed with -C.
 *
 *	# comment (a line whose first non-blank character is '#')
 *	defaults
 *	key value
 *	account NAME
 *	account NAME : PARENT[,PARENT2...]
 *
 * A line is a key and an optional value; blanks around the value are
 * dropped; a value in double quotes keeps its blanks, and inside the
 * quotes \" and \\ stand for " and \.  Keys before any "defaults" or
 * "account" line belong to the defaults.  A new account starts as a copy
 * of the defaults as they are at that line, then takes every setting its
 * parents set, in order, then its own lines.
 *
 * Several files are read into one conf, in order (the system file, then
 * the user file): the defaults carry over from one file to the next, and
 * an account defined again in a later file replaces the earlier one
 * (within one file it is an error).  Parents may come from an earlier
 * file.
 *
 * Every value is checked when it is read, so that errors name the file
 * and line: ERR_CONFIG, "FILE:LINE: what".  A value with a control
 * character (CR, LF, NUL, ...) is refused: nothing from a config file can
 * add a line to the SMTP dialogue or to a log.
 *
 * Ownership: the conf owns every string; the account pointers and the
 * values it hands out live until conf_free, which also wipes passwords.
 */
#ifndef TLSMAIL_CONF_H
#define TLSMAIL_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#include "err.h"

/* One slot per setting; several key names may share one (aliases). */
enum conf_key {
	CONF_HOST,
	CONF_PORT,
	CONF_TIMEOUT,
	CONF_PROTOCOL,
	CONF_DOMAIN,
	CONF_TLS,
	CONF_TLS_STARTTLS,
	CONF_TLS_TRUST_FILE,
	CONF_TLS_FINGERPRINT,
	CONF_TLS_CERT_FILE,
	CONF_TLS_KEY_FILE,
	CONF_TLS_PRIORITIES,
	CONF_TLS_HOST_OVERRIDE,
	CONF_TLS_CERTCHECK,
	CONF_AUTH,
	CONF_ALLOW_PLAINTEXT_AUTH,
	CONF_USER,
	CONF_PASSWORD,
	CONF_PASSWORDEVAL,
	CONF_PASSWORD_FILE,
	CONF_PASSWORD_ENV,
	CONF_FROM,
	CONF_FROM_FULL_NAME,
	CONF_ALIASES,
	CONF_LOGFILE,
	CONF_SYSLOG,
	CONF_DSN_NOTIFY,
	CONF_DSN_RETURN,
	CONF_SET_FROM_HEADER,
	CONF_SET_DATE_HEADER,
	CONF_SET_MSGID_HEADER,
	CONF_REMOVE_BCC_HEADERS,
	CONF_UNDISCLOSED_RECIPIENTS,
	CONF_NKEYS
};

struct conf_value {
	bool	 set;		/* written here or inherited */
	char	*val;		/* normalised; NULL when set to "unset" */
	const char *file;	/* where it was written */
	unsigned line;
};

struct conf_account {
	char	*name;		/* NULL for the defaults */
	const char *file;	/* where the account line is */
	unsigned line;
	unsigned file_index;	/* 0 for the first file read */
	struct conf_value v[CONF_NKEYS];
};

struct conf;

/* An empty conf (defaults only, nothing set).  NULL when out of memory. */
struct conf *conf_new(void);
void	conf_free(struct conf *);

/* Reads one file's lines from fp; name is used in messages.  Errors:
 * ERR_CONFIG "name:line: what", ERR_OS.  On error the conf keeps what
 * was read before the bad line; callers give up. */
int	conf_parse(struct conf *, FILE *fp, const char *name, struct err *);

/*
 * Opens and parses path.  missing_ok: a file that does not exist is
 * skipped (the default paths); otherwise it is ERR_NOINPUT.  A file that
 * holds a password or passwordeval must pass conf_secret_file_ok.
 */
int	conf_load(struct conf *, const char *path, bool missing_ok,
	    struct err *);

/*
 * The rule for a file that holds a secret: a regular file owned by the
 * user running tlsmail, with no permission bits for group or others.
 * Errors: ERR_CONFIG naming "name:line" of the secret and the chmod or
 * chown that fixes it.  This is the one place that decides, so that a
 * system file readable by a dedicated group (a setgid tlsmail) can be
 * allowed here later.
 */
int	conf_secret_file_ok(const char *name, unsigned line,
	    const struct stat *, struct err *);

/* Number of files read so far, and whether any was. */
unsigned conf_nfiles(const struct conf *);

/* The system file ($(sysconfdir)/tlsmail.conf). */
const char *conf_system_path(void);
/* The user file: $XDG_CONFIG_HOME/tlsmail/config when it exists (default
 * XDG_CONFIG_HOME is ~/.config), else ~/.tlsmailrc.  Caller frees; NULL
 * when there is no home directory. */
char	*conf_user_path(void);

/* The defaults (never NULL). */
const struct conf_account *conf_defaults(const struct conf *);
/* The account of that name (the latest definition), or NULL. */
const struct conf_account *conf_find(const struct conf *, const char *name);

/*
 * Account selection: name when given (ERR_CONFIG when there is no such
 * account); else the first account whose "from" pattern matches sender
 * (fnmatch(3), case ignored), looking at the last file read first; else
 * the account "default"; else the defaults.
 */
const struct conf_account *conf_select(const struct conf *, const char *name,
	    const char *sender, struct err *);

/* The value of key in acc, NULL when unset.  Booleans read "on"/"off". */
const char *conf_get(const struct conf_account *, enum conf_key);
bool	conf_is_on(const struct conf_account *, enum conf_key);
/* Checks v as a value of key k (the command line reuses the config's
 * rules for -N and -R): NULL when good, with *norm its normal form (NULL
 * for "off"), else why not. */
const char *conf_check_value(enum conf_key k, const char *v,
	    const char **norm);
/* The key's main name, for messages. */
const char *conf_key_name(enum conf_key);

#endif
