/*
 * The setgid privilege (priv.h).  Facts this relies on, Linux and glibc:
 *  - exec of a setgid binary sets AT_SECURE: the dynamic loader ignores
 *    LD_PRELOAD and LD_LIBRARY_PATH, glibc drops TMPDIR, HOSTALIASES,
 *    LOCALDOMAIN and the other unsafe variables, and secure_getenv
 *    answers NULL (GnuTLS reads its own variables that way);
 *  - a process that changed its effective group, or that called
 *    prctl(PR_SET_DUMPABLE, 0), cannot be ptraced or have its memory read
 *    through /proc by an unprivileged user, and writes no core file;
 *  - setresgid(2) with all three ids equal leaves no saved id to return
 *    to (setgroups is not needed: a setgid exec adds no supplementary
 *    group).
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "priv.h"

static bool priv_was_setgid;

void
priv_init(void)
{
	priv_was_setgid = getegid() != getgid();
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

bool
priv_setgid(void)
{
	return priv_was_setgid;
}

int
priv_drop(struct err *e)
{
	gid_t g = getgid(), r, eff, s;

	if (getegid() == g && getresgid(&r, &eff, &s) == 0 && s == g)
		return 0;
	if (setresgid(g, g, g) != 0)
		return err_set(e, ERR_OS, STEP_NONE, "cannot give up the "
		    "setgid group: %s", strerror(errno));
	/* A drop that did not take is worse than none: check it. */
	if (getresgid(&r, &eff, &s) != 0 || r != g || eff != g || s != g ||
	    setegid(0) == 0)
		return err_set(e, ERR_OS, STEP_NONE, "the setgid group is "
		    "still held after giving it up");
	return 0;
}

/* The settings that decide where a password goes and how it is
 * protected on the way. */
static const enum conf_key priv_route_keys[] = {
	CONF_HOST, CONF_PORT, CONF_PROTOCOL, CONF_TLS, CONF_TLS_STARTTLS,
	CONF_TLS_TRUST_FILE, CONF_TLS_FINGERPRINT, CONF_TLS_CERT_FILE,
	CONF_TLS_KEY_FILE, CONF_TLS_PRIORITIES, CONF_TLS_HOST_OVERRIDE,
	CONF_TLS_CERTCHECK, CONF_AUTH, CONF_ALLOW_PLAINTEXT_AUTH, CONF_USER,
};

static const enum conf_key priv_secret_keys[] = {
	CONF_PASSWORD, CONF_PASSWORDEVAL, CONF_PASSWORD_FILE,
	CONF_PASSWORD_ENV,
};

/* The command-line option that overrides a route setting, or NULL. */
static const char *
priv_cli_override(const struct options *o)
{
	if (o->host != NULL)
		return "--host";
	if (o->port != 0)
		return "--port";
	if (o->tls != CLI_TLS_UNSET)
		return "--tls";
	if (o->cafile != NULL)
		return "--cafile";
	if (o->fingerprint != NULL)
		return "--fingerprint";
	if (o->tls_priority != NULL)
		return "--tls-priority";
	if (o->tls_verify_given)
		return "--tls-verify";
	if (o->tls_cert_file != NULL || o->tls_key_file != NULL)
		return "--tls-cert-file";
	if (o->user != NULL)
		return "--user";
	if (o->auth != NULL)
		return "--auth";
	if (o->allow_plaintext_auth)
		return "--allow-plaintext-auth";
	return NULL;
}

static bool
priv_from_system(const struct conf_value *v)
{
	return v->file != NULL && strcmp(v->file, conf_system_path()) == 0;
}

/* True when the account's password source was written in the system
 * file (and the command line named none of its own). */
static bool
priv_system_secret(const struct conf_account *a, const struct options *o)
{
	if (o->password_file != NULL || o->password_env != NULL ||
	    o->passwordeval != NULL)
		return false;
	for (size_t i = 0; i < sizeof(priv_secret_keys) /
	    sizeof(priv_secret_keys[0]); i++) {
		const struct conf_value *v = &a->v[priv_secret_keys[i]];

		if (v->set && v->val != NULL && priv_from_system(v))
			return true;
	}
	return false;
}

int
priv_check_secret(const struct conf *c, const struct options *o,
    bool *hidden, struct err *e)
{
	const struct conf_account *a;
	const char *opt;

	*hidden = false;
	if (!priv_setgid() || c == NULL)
		return 0;
	if ((a = conf_select(c, o->account, o->from, e)) == NULL)
		return -1;
	if (!priv_system_secret(a, o))
		return 0;
	*hidden = true;
	if ((opt = priv_cli_override(o)) != NULL) {
		err_set(e, ERR_CONFIG, STEP_ARGS, "%s would send the password "
		    "of %s elsewhere than that file says", opt,
		    conf_system_path());
		err_hint(e, "drop %s, or give a password of your own "
		    "(--password-file)", opt);
		return -1;
	}
	for (size_t i = 0; i < sizeof(priv_route_keys) /
	    sizeof(priv_route_keys[0]); i++) {
		const struct conf_value *v = &a->v[priv_route_keys[i]];

		if (v->set && !priv_from_system(v)) {
			err_set(e, ERR_CONFIG, STEP_NONE, "%s:%u: %s would "
			    "send the password of %s elsewhere than that file "
			    "says", v->file ? v->file : "?", v->line,
			    conf_key_name(priv_route_keys[i]),
			    conf_system_path());
			err_hint(e, "give this account a password of its own");
			return -1;
		}
	}
	return 0;
}
