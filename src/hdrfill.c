/*
 * Header completion.
 *
 *   RFC 5322  3.3 date-time, 3.4 mailbox, 3.6 which fields a message must
 *             have, 3.6.4 msg-id
 *   RFC 2047  encoded words in a display name (through mime.c)
 *   RFC 6409  section 8: a submission agent may add Date, Message-ID and
 *             complete From
 *
 * What sendmail and msmtp add to a message that lacks them, so that cron's
 * and scripts' mail is not refused or filed as spam for a missing Date or
 * From.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdrfill.h"
#include "idn.h"
#include "mime.h"

#define HDRFILL_ID_RANDOM	24	/* letters and digits, ~143 bits */

/* RFC 5322 3.3 spells the names in English, whatever the locale. */
static const char *const hdrfill_days[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char *const hdrfill_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

void
hdrfill_date(time_t t, char buf[HDRFILL_DATE_MAX])
{
	struct tm tm;
	int off;

	localtime_r(&t, &tm);
	/* Zones lie within a day of UTC; the bound keeps the field 4
	 * digits whatever the C library says. */
	off = (int)((tm.tm_gmtoff / 60) % (24 * 60));
	snprintf(buf, HDRFILL_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d "
	    "%c%02d%02d", hdrfill_days[tm.tm_wday % 7], tm.tm_mday % 100,
	    hdrfill_months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100,
	    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
	    (off < 0 ? -off : off) % 60);
}

/* RFC 5322 3.2.3 atext, ASCII only. */
static bool
hdrfill_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* id-right (3.6.4): dot-atom-text or no-fold-literal. */
static bool
hdrfill_id_right(const char *d)
{
	size_t n = strlen(d);

	if (n == 0)
		return false;
	if (d[0] == '[') {
		if (n < 3 || d[n - 1] != ']')
			return false;
		for (size_t i = 1; i + 1 < n; i++)
			if (d[i] < 33 || d[i] > 126 || d[i] == '[' ||
			    d[i] == ']' || d[i] == '\\')
				return false;
		return true;
	}
	if (d[0] == '.' || d[n - 1] == '.' || strstr(d, "..") != NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (d[i] != '.' && !hdrfill_atext((unsigned char)d[i]))
			return false;
	return true;
}

char *
hdrfill_msgid(const char *domain, struct err *e)
{
	char rnd[HDRFILL_ID_RANDOM + 1], *conv = NULL, *id;
	const char *right = domain != NULL ? domain : "localhost";
	size_t n;

	if (!idn_is_ascii(right)) {
		/* "x@" makes it an address for idn; its A-label part is
		 * what follows. */
		size_t len = strlen(right) + 3;
		char *tmp = malloc(len);

		if (tmp == NULL) {
			err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
			return NULL;
		}
		snprintf(tmp, len, "x@%s", right);
		if (idn_addr_ascii(tmp, &conv, e) == 0)
			right = conv + 2;
		free(tmp);
	}
	if (!hdrfill_id_right(right))
		right = "localhost";
	if (mime_random(rnd, sizeof(rnd), e) < 0) {
		free(conv);
		return NULL;
	}
	n = strlen(rnd) + strlen(right) + 4;
	if ((id = malloc(n)) == NULL)
		err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
	else
		snprintf(id, n, "<%s@%s>", rnd, right);
	free(conv);
	return id;
}

/* The address as it goes into the header: a domain in U-labels becomes
 * A-labels when the local part is ASCII, so that the field stays ASCII
 * (a non-ASCII local part needs SMTPUTF8 and RFC 6532 anyway). */
static char *
hdrfill_addr(const char *addr)
{
	char *conv;
	struct err ignored;

	if (!idn_is_ascii(addr) && idn_addr_ascii(addr, &conv, &ignored) == 0)
		return conv;
	return strdup(addr);
}

char *
hdrfill_from(const char *addr, const char *name, struct err *e)
{
	char *a = hdrfill_addr(addr), *phrase = NULL, *f = NULL;
	size_t n;

	if (a != NULL && name != NULL && *name != '\0')
		phrase = mime_header_phrase(name, strlen("From: "), e);
	if (a == NULL || (name != NULL && *name != '\0' && phrase == NULL))
		goto done;
	n = strlen(a) + (phrase ? strlen(phrase) : 0) + 16;
	if ((f = malloc(n)) == NULL)
		goto done;
	if (phrase != NULL)
		snprintf(f, n, "From: %s <%s>\r\n", phrase, a);
	else
		snprintf(f, n, "From: %s\r\n", a);
done:
	if (f == NULL && e->cls == ERR_NONE)
		err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
	free(a);
	free(phrase);
	return f;
}

/* The domain of an address, for the Message-ID, or NULL. */
static const char *
hdrfill_sender_domain(const char *s)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

static int
hdrfill_add(char **buf, size_t *len, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 5;
	char *p = realloc(*buf, *len + n);

	if (p == NULL)
		return -1;
	*buf = p;
	*len += (size_t)snprintf(p + *len, n, "%s: %s\r\n", name, value);
	return 0;
}

static int
hdrfill_add_msgid(char **buf, size_t *len, const struct hdrfill_conf *c,
    struct err *e)
{
	const char *dom = c->domain;
	char *id;
	int rc;

	if (c->msgid_value != NULL)
		return hdrfill_add(buf, len, "Message-ID", c->msgid_value) < 0 ?
		    err_set(e, ERR_OS, STEP_MESSAGE, "out of memory") : 0;
	if (dom == NULL)
		dom = hdrfill_sender_domain(c->sender);
	if ((id = hdrfill_msgid(dom, e)) == NULL)
		return -1;
	rc = hdrfill_add(buf, len, "Message-ID", id);
	free(id);
	return rc < 0 ? err_set(e, ERR_OS, STEP_MESSAGE, "out of memory") : 0;
}

static int
hdrfill_add_from(char **buf, size_t *len, const struct hdrfill_conf *c,
    struct err *e)
{
	char *f = hdrfill_from(c->sender, c->fullname, e), *p;
	size_t n;

	if (f == NULL)
		return -1;
	n = strlen(f);
	if ((p = realloc(*buf, *len + n + 1)) == NULL) {
		free(f);
		return err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
	}
	memcpy(p + *len, f, n + 1);
	*buf = p;
	*len += n;
	free(f);
	return 0;
}

bool
hdrfill_replaces_from(const struct hdrfill_conf *c)
{
	return c != NULL && c->from_replace && c->sender != NULL &&
	    *c->sender != '\0';
}

char *
hdrfill_make(const struct hdrfill_conf *c, const struct hdrfill_seen *s,
    struct err *e)
{
	char date[HDRFILL_DATE_MAX], *buf = calloc(1, 1);
	size_t len = 0;
	bool sender = c->sender != NULL && *c->sender != '\0';

	if (buf == NULL)
		goto oom;
	if (c->date && !s->date) {
		if (c->date_value == NULL)
			hdrfill_date(time(NULL), date);
		if (hdrfill_add(&buf, &len, "Date", c->date_value ?
		    c->date_value : date) < 0)
			goto oom;
	}
	if (c->msgid && !s->msgid && hdrfill_add_msgid(&buf, &len, c, e) < 0)
		goto fail;
	if (sender && (hdrfill_replaces_from(c) || (c->from && !s->from)) &&
	    hdrfill_add_from(&buf, &len, c, e) < 0)
		goto fail;
	if (c->undisclosed && !s->to_cc &&
	    hdrfill_add(&buf, &len, "To", "undisclosed-recipients:;") < 0)
		goto oom;
	return buf;
oom:
	err_set(e, ERR_OS, STEP_MESSAGE, "out of memory");
fail:
	free(buf);
	return NULL;
}
