#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "report.h"

/* A growing line; on allocation failure it stays failed and NULL. */
struct log_buf {
	char	*s;
	size_t	 len, cap;
	bool	 oom;
};

static void
log_grow(struct log_buf *b, size_t more)
{
	char *s;
	size_t cap;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	cap = (b->len + more + 1) * 2;
	if ((s = realloc(b->s, cap)) == NULL) {
		b->oom = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

static void
log_printf(struct log_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_printf(struct log_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Appends s with every byte that is not printable ASCII as \xNN (report's
 * rule), and in double quotes when quote is set (a double quote inside is
 * escaped too, so the value's end is never in doubt). */
static void
log_put(struct log_buf *b, const char *s, bool quote)
{
	size_t n = strlen(s);

	log_grow(b, 4 * n + 2);
	if (b->oom)
		return;
	if (quote)
		b->s[b->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			b->len += (size_t)snprintf(b->s + b->len,
			    b->cap - b->len, "\\x%02x", (unsigned char)s[i]);
			continue;
		}
		b->len += report_sanitize(b->s + b->len, b->cap - b->len,
		    s + i, 1);
	}
	if (quote)
		b->s[b->len++] = '"';
	b->s[b->len] = '\0';
}

static void
log_field(struct log_buf *b, const char *key, const char *val, bool quote)
{
	log_printf(b, "%s%s=", b->len ? " " : "", key);
	log_put(b, val != NULL && *val != '\0' ? val : "-", quote);
}

static void
log_tls(struct log_buf *b, const struct log_entry *le)
{
	const struct tls_facts *t = le->out ? &le->out->tls : NULL;

	if (le->plan->tls == PLAN_TLS_OFF)
		log_field(b, "tls", "off", false);
	else if (t == NULL || !t->active)
		log_field(b, "tls", "none", false);
	else {
		log_printf(b, " tls=");
		log_put(b, t->version, false);
		log_printf(b, "/");
		log_put(b, t->cipher, false);
	}
}

static void
log_rcpts(struct log_buf *b, const struct log_entry *le)
{
	log_printf(b, " recipients=");
	if (le->nrcpt == 0)
		log_put(b, "-", false);
	for (size_t i = 0; i < le->nrcpt; i++) {
		if (i > 0)
			log_printf(b, ",");
		log_put(b, le->rcpts[i], false);
	}
}

static void
log_reply(struct log_buf *b, const struct log_entry *le)
{
	const struct outcome *o = le->out;

	if (o != NULL && o->final_code != 0) {
		log_printf(b, " reply=\"%d ", o->final_code);
		log_put(b, o->final_text ? o->final_text : "", false);
		log_printf(b, "\"");
	} else
		log_field(b, "reply", NULL, false);
	if (le->err != NULL && le->err->cls != ERR_NONE) {
		const char *step = err_step_name(le->err->step);

		log_printf(b, " error=\"");
		if (*step != '\0') {
			log_put(b, step, false);
			log_printf(b, ": ");
		}
		log_put(b, le->err->msg, false);
		log_printf(b, "\"");
	}
}

char *
log_format(const struct log_entry *le)
{
	const struct plan *p = le->plan;
	const struct outcome *o = le->out;
	struct log_buf b = { NULL, 0, 0, false };

	log_field(&b, "account", p->account, false);
	log_field(&b, "host", p->host, false);
	log_tls(&b, le);
	log_field(&b, "auth", o && o->auth_mech[0] ? o->auth_mech : NULL,
	    false);
	log_field(&b, "from", le->from, false);
	log_rcpts(&b, le);
	log_printf(&b, " size=%zu", le->size);
	log_reply(&b, le);
	log_printf(&b, " exitcode=%s", log_exit_name(le->status));
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

const char *
log_exit_name(int status)
{
	static const char *const names[] = { "EX_USAGE", "EX_DATAERR",
		"EX_NOINPUT", "EX_NOUSER", "EX_NOHOST", "EX_UNAVAILABLE",
		"EX_SOFTWARE", "EX_OSERR", "EX_OSFILE", "EX_CANTCREAT",
		"EX_IOERR", "EX_TEMPFAIL", "EX_PROTOCOL", "EX_NOPERM",
		"EX_CONFIG" };

	if (status == 0)
		return "EX_OK";
	if (status >= 64 && status <= 78)
		return names[status - 64];
	return "EX_SOFTWARE";
}

static int
log_facility(const char *name)
{
	static const struct {
		const char *name;
		int	 fac;
	} fac[] = {
		{ "LOG_USER", LOG_USER }, { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (strcmp(fac[i].name, name) == 0)
			return fac[i].fac;
	return LOG_MAIL;
}

/* One write(2) with O_APPEND, so that lines of concurrent tlsmails do
 * not interleave. */
static int
log_to_file(const char *path, const char *line, time_t now, struct err *e)
{
	char stamp[40], *rec;
	struct tm tm;
	size_t n;
	ssize_t w;
	int fd;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	n = strlen(stamp) + strlen(line) + 3;
	if ((rec = malloc(n)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	snprintf(rec, n, "%s %s\n", stamp, line);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd < 0) {
		free(rec);
		return err_set(e, ERR_OS, STEP_NONE, "cannot open log file "
		    "%s: %s", path, strerror(errno));
	}
	w = write(fd, rec, n - 1);
	free(rec);
	if (w != (ssize_t)(n - 1) || close(fd) != 0)
		return err_set(e, ERR_OS, STEP_NONE, "cannot write log file "
		    "%s: %s", path, w < 0 ? strerror(errno) : "short write");
	return 0;
}

int
log_message(const struct log_entry *le, time_t now, struct err *e)
{
	const struct plan *p = le->plan;
	char *line;
	int rc = 0;

	if (p->logfile == NULL && p->syslog == NULL)
		return 0;
	if ((line = log_format(le)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	if (p->syslog != NULL) {
		openlog("tlsmail", LOG_PID, log_facility(p->syslog));
		syslog(le->status == 0 ? LOG_INFO : LOG_ERR, "%s", line);
		closelog();
	}
	if (p->logfile != NULL)
		rc = log_to_file(p->logfile, line, now, e);
	free(line);
	return rc;
}
