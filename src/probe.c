/*
 * probe: one session per port, then one short session per TLS version.
 *
 *   RFC 6409  submission, port 587, STARTTLS (RFC 3207)
 *   RFC 8314  submissions, port 465, implicit TLS
 *   RFC 5321  smtp, port 25, STARTTLS when offered
 *   RFC 8996  TLS 1.0 and 1.1 deprecated: the version probes find them
 *
 * The version probes are whole sessions (greeting, EHLO, STARTTLS, the
 * handshake with one version allowed, EHLO, QUIT) because a STARTTLS
 * server cannot be asked for a handshake any other way.  They run only
 * when the main session got as far as a handshake.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "tls.h"

/* One protocol version allowed, the rest of NORMAL kept, so that a
 * refusal says "not this version" rather than "no common cipher". */
static const char *const probe_version_priority[OUTCOME_NVERS] = {
	"NORMAL:-VERS-ALL:+VERS-TLS1.0",
	"NORMAL:-VERS-ALL:+VERS-TLS1.1",
	"NORMAL:-VERS-ALL:+VERS-TLS1.2",
	"NORMAL:-VERS-ALL:+VERS-TLS1.3",
};

struct probe_target {
	unsigned port;
	enum plan_tls tls;
};

static const struct probe_target probe_default_targets[] = {
	{ PLAN_PORT_SUBMISSION, PLAN_TLS_STARTTLS },
	{ PLAN_PORT_SUBMISSIONS, PLAN_TLS_IMPLICIT },
	{ PROBE_PORT_SMTP, PLAN_TLS_STARTTLS },
};

/* The TLS contexts a probe uses: [0] the main session's, [1 + i] the
 * handshake with version i only. */
struct probe_ctx {
	struct tls_ctx *tls[1 + OUTCOME_NVERS];
};

static void
probe_note(const struct probe_conf *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
probe_note(const struct probe_conf *c, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	if (c->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->trace(c->trace_ctx, '*', line, strlen(line));
}

static void
probe_ctx_free(struct probe_ctx *pc)
{
	for (size_t i = 0; i < 1 + OUTCOME_NVERS; i++)
		tls_ctx_free(pc->tls[i]);
}

static int
probe_ctx_new(struct probe_ctx *pc, const struct probe_conf *c,
    struct err *e)
{
	struct tls_conf tc;

	memset(pc, 0, sizeof(*pc));
	memset(&tc, 0, sizeof(tc));
	tc.cafile = c->cafile;
	tc.priority = c->priority;
	tc.pin = c->pin;
	tc.probe = true;
	if (tls_ctx_new(&pc->tls[0], &tc, e) < 0)
		return -1;
	tc.pin = NULL;
	for (size_t i = 0; c->versions && i < OUTCOME_NVERS; i++) {
		tc.priority = probe_version_priority[i];
		if (tls_ctx_new(&pc->tls[1 + i], &tc, e) < 0) {
			probe_ctx_free(pc);
			return -1;
		}
	}
	return 0;
}

/* One session, stopped after the EHLO that follows TLS; its failure is
 * kept in the outcome. */
static void
probe_session(const struct probe_conf *c, struct tls_ctx *ctx,
    const struct probe_target *t, struct outcome *out)
{
	struct smtp_conf sc;
	struct smtp *s;
	struct err e;

	memset(&sc, 0, sizeof(sc));
	sc.host = c->host;
	sc.port = t->port;
	sc.tls = t->tls;
	sc.tls_ctx = ctx;
	sc.ehlo = c->ehlo;
	sc.timeout_ms = c->timeout_ms;
	sc.probe = true;
	sc.trace = c->trace;
	sc.trace_ctx = c->trace_ctx;
	err_clear(&e);
	if (smtp_open(&s, &sc, out, &e) < 0) {
		out->err = e;
		return;
	}
	smtp_close(s);
}

/* A version is refused when its handshake failed; a session that broke
 * before the handshake tells nothing about it. */
static enum outcome_ver
probe_one_version(const struct probe_conf *c, struct tls_ctx *ctx,
    const struct probe_target *t, size_t i)
{
	struct outcome vo;
	enum outcome_ver r;

	probe_note(c, "probe: extra handshake, %s only, port %u",
	    outcome_version_name(i), t->port);
	outcome_init(&vo);
	probe_session(c, ctx, t, &vo);
	if (vo.tls.active &&
	    strcmp(vo.tls.version, outcome_version_name(i)) == 0)
		r = OUTCOME_VER_ACCEPTED;
	else if (vo.tls.active || vo.err.step == STEP_TLS)
		r = OUTCOME_VER_REFUSED;
	else
		r = OUTCOME_VER_UNKNOWN;
	probe_note(c, "probe: %s %s", outcome_version_name(i),
	    r == OUTCOME_VER_ACCEPTED ? "accepted" :
	    r == OUTCOME_VER_REFUSED ? "refused" : "not tested: the session "
	    "failed before the handshake");
	outcome_free(&vo);
	return r;
}

static void
probe_target_run(const struct probe_conf *c, struct probe_ctx *pc,
    const struct probe_target *t, struct outcome *out)
{
	probe_note(c, "probe: %s port %u (%s)", c->host, t->port,
	    t->tls == PLAN_TLS_IMPLICIT ? "implicit TLS" : "STARTTLS");
	probe_session(c, pc->tls[0], t, out);
	if (out->server == NULL)
		return;
	/* Only a server that took part in a handshake can be asked about
	 * versions. */
	if (!out->tls.active && out->err.step != STEP_TLS)
		return;
	for (size_t i = 0; c->versions && i < OUTCOME_NVERS; i++)
		out->tls_versions[i] = probe_one_version(c, pc->tls[1 + i], t,
		    i);
}

int
probe_run(struct probe_result *r, const struct probe_conf *c, struct err *e)
{
	struct probe_target one = { c->port, c->tls };
	const struct probe_target *targets = &one;
	struct probe_ctx pc;
	size_t n = 1;

	memset(r, 0, sizeof(*r));
	if (c->port == 0) {
		targets = probe_default_targets;
		n = sizeof(probe_default_targets) /
		    sizeof(probe_default_targets[0]);
	}
	if ((r->outs = calloc(n, sizeof(*r->outs))) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	if (probe_ctx_new(&pc, c, e) < 0) {
		probe_result_free(r);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		outcome_init(&r->outs[i]);
		r->n = i + 1;
		probe_target_run(c, &pc, &targets[i], &r->outs[i]);
	}
	probe_ctx_free(&pc);
	return 0;
}

void
probe_result_free(struct probe_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		outcome_free(&r->outs[i]);
	free(r->outs);
	memset(r, 0, sizeof(*r));
}
