/*
 * Delivery Status Notification parameters.
 *
 *   RFC 3461  SMTP Service Extension for DSNs: NOTIFY (4.1), RET (4.3),
 *             ENVID (4.4), xtext (4)
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"

static const char dsn_hex[] = "0123456789ABCDEF";

/* RFC 3461 4.4: at most 100 characters of ENVID before encoding. */
#define DSN_ENVID_MAX	100

char *
dsn_xtext(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 33 && c <= 126 && c != '+' && c != '=') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '+';
		*o++ = dsn_hex[c >> 4];
		*o++ = dsn_hex[c & 0x0f];
	}
	*o = '\0';
	return out;
}

/* Section 4.1: "NEVER", or one or more of SUCCESS, FAILURE and DELAY,
 * each at most once. */
static int
dsn_notify(const char *v, char **out, struct err *e)
{
	static const char *const cond[] = { "SUCCESS", "FAILURE", "DELAY" };
	unsigned seen = 0;
	const char *p = v;

	if (strcasecmp(v, "never") == 0)
		return (*out = strdup("NEVER")) ? 0 :
		    err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	do {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < 3; i++)
			if (strlen(cond[i]) == n &&
			    strncasecmp(p, cond[i], n) == 0)
				break;
		if (i == 3 || (seen & (1u << i)))
			return err_set(e, ERR_USAGE, STEP_ARGS, "DSN notify "
			    "wants never or a list of success, failure and "
			    "delay, not \"%.60s\"", v);
		seen |= 1u << i;
		p += n;
	} while (*p++ == ',');
	if ((*out = malloc(strlen("SUCCESS,FAILURE,DELAY") + 1)) == NULL)
		return err_set(e, ERR_OS, STEP_ARGS, "out of memory");
	**out = '\0';
	for (unsigned i = 0; i < 3; i++)
		if (seen & (1u << i)) {
			if (**out != '\0')
				strcat(*out, ",");
			strcat(*out, cond[i]);
		}
	return 0;
}

static int
dsn_ret(const char *v, char **out, struct err *e)
{
	const char *w;

	if (strcasecmp(v, "full") == 0)
		w = "FULL";
	else if (strcasecmp(v, "headers") == 0 || strcasecmp(v, "hdrs") == 0)
		w = "HDRS";
	else
		return err_set(e, ERR_USAGE, STEP_ARGS, "DSN return wants full "
		    "or headers, not \"%.60s\"", v);
	return (*out = strdup(w)) ? 0 :
	    err_set(e, ERR_OS, STEP_ARGS, "out of memory");
}

static int
dsn_envid(const char *v, char **out, struct err *e)
{
	const unsigned char *s = (const unsigned char *)v;

	if (strlen(v) > DSN_ENVID_MAX)
		return err_set(e, ERR_USAGE, STEP_ARGS, "the DSN envelope id "
		    "has %zu characters; RFC 3461 allows %d", strlen(v),
		    DSN_ENVID_MAX);
	/* Section 4.4: printable (graphic) US-ASCII, so no space. */
	for (; *s != '\0'; s++)
		if (*s < 33 || *s > 126)
			return err_set(e, ERR_USAGE, STEP_ARGS, "the DSN "
			    "envelope id must be printable ASCII without "
			    "spaces");
	return (*out = dsn_xtext(v)) ? 0 :
	    err_set(e, ERR_OS, STEP_ARGS, "out of memory");
}

int
dsn_build(struct dsn *d, const char *notify, const char *ret,
    const char *envid, struct err *e)
{
	memset(d, 0, sizeof(*d));
	if ((notify != NULL && dsn_notify(notify, &d->notify, e) < 0) ||
	    (ret != NULL && dsn_ret(ret, &d->ret, e) < 0) ||
	    (envid != NULL && dsn_envid(envid, &d->envid, e) < 0)) {
		dsn_free(d);
		return -1;
	}
	return 0;
}

bool
dsn_requested(const struct dsn *d)
{
	return d->notify != NULL || d->ret != NULL || d->envid != NULL;
}

void
dsn_free(struct dsn *d)
{
	free(d->notify);
	free(d->ret);
	free(d->envid);
	memset(d, 0, sizeof(*d));
}
