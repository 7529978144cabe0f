#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void
err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

int
err_set(struct err *e, enum err_class cls, enum err_step step,
    const char *fmt, ...)
{
	va_list ap;

	e->cls = cls;
	e->step = step;
	e->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
err_hint(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
}

const char *
err_step_name(enum err_step step)
{
	static const char *const names[] = {
		[STEP_NONE] = "",
		[STEP_ARGS] = "arguments",
		[STEP_MESSAGE] = "message",
		[STEP_RESOLVE] = "resolve",
		[STEP_CONNECT] = "connect",
		[STEP_GREETING] = "greeting",
		[STEP_EHLO] = "EHLO",
		[STEP_STARTTLS] = "STARTTLS",
		[STEP_TLS] = "TLS",
		[STEP_AUTH] = "AUTH",
		[STEP_MAIL] = "MAIL",
		[STEP_RCPT] = "RCPT",
		[STEP_DATA] = "DATA",
		[STEP_QUIT] = "QUIT",
	};

	if ((size_t)step >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[step];
}
