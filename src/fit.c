/*
 * Fitting a message to the server's extensions.
 *
 *   RFC 3461  DSN: a client asked for notifications must not drop the
 *             request silently
 *   RFC 6531  SMTPUTF8: 3.2 the parameter on MAIL, 3.3 UTF-8 addresses;
 *             without it, domains in A-labels (RFC 5891 4.2) and no
 *             UTF-8 local part at all
 *   RFC 6152  8BITMIME, RFC 5321 4.5.3.1.6 line length (mime8.c)
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fit.h"
#include "idn.h"
#include "mime8.h"

static int
fit_dsn(struct fit *f, const struct fit_conf *c, unsigned caps,
    struct smtp_msg *m, struct err *e)
{
	if (dsn_build(&f->dsn, c->dsn_notify, c->dsn_return, c->dsn_envid,
	    e) < 0)
		return -1;
	if (!dsn_requested(&f->dsn))
		return 0;
	if (!(caps & SMTP_CAP_DSN)) {
		err_set(e, ERR_UNAVAILABLE, STEP_MAIL, "delivery status "
		    "notifications were asked for, but the server does not "
		    "offer DSN (RFC 3461)");
		err_hint(e, "nothing was sent; drop -N, -R and -V (or "
		    "dsn_notify and dsn_return), or use a server that offers "
		    "DSN");
		return -1;
	}
	m->dsn_notify = f->dsn.notify;
	m->dsn_ret = f->dsn.ret;
	m->dsn_envid = f->dsn.envid;
	return 0;
}

/* One address as this server takes it, or an error naming it. */
static int
fit_addr(const char *a, bool utf8, char **out, enum err_step step,
    struct err *e)
{
	*out = NULL;
	if (utf8) {
		if (idn_addr_check(a, e) < 0)
			return (e->step = step), -1;
		return (*out = strdup(a)) ? 0 :
		    err_set(e, ERR_OS, step, "out of memory");
	}
	if (idn_addr_ascii(a, out, e) < 0)
		return (e->step = step), -1;
	/* A-labels are longer: the RFC 5321 limits apply again. */
	if (!idn_is_ascii(a) && addr_check(*out, 1, e) < 0) {
		free(*out);
		*out = NULL;
		e->cls = ERR_DATA;
		e->step = step;
		return -1;
	}
	return 0;
}

static bool
fit_needs_utf8(const char *from, const char *const *rcpts, size_t n,
    const struct msg *msg)
{
	if (!idn_is_ascii(from) || msg_header_8bit(msg))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!idn_is_ascii(rcpts[i]))
			return true;
	return false;
}

static int
fit_envelope(struct fit *f, unsigned caps, struct msg *msg,
    const char *from, const char *const *rcpts, size_t n,
    struct smtp_msg *m, struct err *e)
{
	bool utf8 = (caps & SMTP_CAP_SMTPUTF8) &&
	    fit_needs_utf8(from, rcpts, n, msg);

	if ((f->rcpts = calloc(n ? n : 1, sizeof(*f->rcpts))) == NULL)
		return err_set(e, ERR_OS, STEP_RCPT, "out of memory");
	if (fit_addr(from, utf8, &f->from, STEP_MAIL, e) < 0)
		return -1;
	for (f->nrcpt = 0; f->nrcpt < n; f->nrcpt++)
		if (fit_addr(rcpts[f->nrcpt], utf8, &f->rcpts[f->nrcpt],
		    STEP_RCPT, e) < 0)
			return -1;
	m->smtputf8 = utf8;
	m->from = f->from;
	m->rcpts = (const char *const *)f->rcpts;
	m->nrcpt = n;
	return 0;
}

static int
fit_message(struct fit *f, const struct fit_conf *c, unsigned caps,
    struct msg *msg, struct smtp_msg *m, struct err *e)
{
	struct mime8_conf mc = {
		.eightbit = (caps & SMTP_CAP_8BITMIME) && !c->seven_bit,
		.boundary = c->boundary,
	};

	if (mime8_needed(msg, mc.eightbit)) {
		if (msg_filter(msg, mime8_filter, &mc, e) < 0)
			return -1;
		f->converted = true;
	}
	m->size = msg_size(msg);
	m->eightbit = msg_has_8bit(msg);
	return 0;
}

int
fit_apply(struct fit *f, const struct fit_conf *c, unsigned caps,
    struct msg *msg, const char *from, const char *const *rcpts,
    size_t nrcpt, struct smtp_msg *m, struct err *e)
{
	memset(f, 0, sizeof(*f));
	if (fit_dsn(f, c, caps, m, e) < 0 ||
	    fit_envelope(f, caps, msg, from, rcpts, nrcpt, m, e) < 0 ||
	    fit_message(f, c, caps, msg, m, e) < 0)
		return -1;
	return 0;
}

void
fit_free(struct fit *f)
{
	for (size_t i = 0; i < f->nrcpt; i++)
		free(f->rcpts[i]);
	free(f->rcpts);
	free(f->from);
	dsn_free(&f->dsn);
	memset(f, 0, sizeof(*f));
}
