/*
 * report_json: the outcome as JSON (RFC 8259), through the json writer,
 * which escapes every byte that came from the server.
 *
 * The schema is stable: a field is never removed or retyped within one
 * "version"; a field without a value is null, never absent.  Times are
 * RFC 3339 UTC ("2026-01-31T12:00:00Z").
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "report_json.h"

#define RJ_DAY 86400

static const char *
rj_class_name(enum err_class c)
{
	static const char *const names[] = {
		[ERR_NONE] = "none",
		[ERR_USAGE] = "usage",
		[ERR_DATA] = "data",
		[ERR_NOINPUT] = "noinput",
		[ERR_CONFIG] = "config",
		[ERR_NOHOST] = "nohost",
		[ERR_TEMP] = "temporary",
		[ERR_UNAVAILABLE] = "unavailable",
		[ERR_SECURITY] = "security",
		[ERR_PROTOCOL] = "protocol",
		[ERR_AUTH] = "auth",
		[ERR_OS] = "os",
		[ERR_INTERNAL] = "internal",
	};

	if ((size_t)c < sizeof(names) / sizeof(names[0]) && names[c])
		return names[c];
	return "internal";
}

static void
rj_kv_str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_string(j, v);
}

/* A fixed-size field of the outcome: "" is null. */
static void
rj_kv_field(struct json *j, const char *k, const char *v, size_t cap)
{
	json_key(j, k);
	if (v[0] == '\0')
		json_null(j);
	else
		json_stringn(j, v, strnlen(v, cap));
}

static void
rj_kv_int(struct json *j, const char *k, long long v)
{
	json_key(j, k);
	json_int(j, v);
}

static void
rj_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

static void
rj_kv_time(struct json *j, const char *k, time_t t)
{
	struct tm tm;
	char buf[32];

	json_key(j, k);
	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		json_null(j);
	else
		json_string(j, buf);
}

/* EHLO reply lines ("\n"-separated) as an array; null when none came. */
static void
rj_kv_lines(struct json *j, const char *k, const char *lines)
{
	const char *p = lines, *nl;

	json_key(j, k);
	if (lines == NULL) {
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		json_stringn(j, p, (size_t)(nl - p));
	}
	json_array_end(j);
}

static void
rj_cert(struct json *j, const struct cert_facts *c, time_t now)
{
	json_object_begin(j);
	rj_kv_str(j, "subject", c->subject);
	rj_kv_str(j, "issuer", c->issuer);
	rj_kv_str(j, "names", c->sans);
	rj_kv_str(j, "serial", c->serial);
	rj_kv_str(j, "signature", c->sig_alg);
	rj_kv_time(j, "not_before", c->not_before);
	rj_kv_time(j, "not_after", c->not_after);
	json_key(j, "days_left");
	if (c->not_after == (time_t)-1)
		json_null(j);
	else	/* whole days, rounded down; negative once expired */
		json_int(j, ((long long)c->not_after - (long long)now -
		    (c->not_after < now ? RJ_DAY - 1 : 0)) / RJ_DAY);
	rj_kv_field(j, "key_type", c->key_type, sizeof(c->key_type));
	rj_kv_int(j, "key_bits", c->key_bits);
	rj_kv_field(j, "sha256", c->sha256, sizeof(c->sha256));
	rj_kv_field(j, "pin_sha256", c->pin_sha256, sizeof(c->pin_sha256));
	json_object_end(j);
}

static void
rj_tls(struct json *j, const struct tls_facts *t, time_t now)
{
	json_key(j, "tls");
	if (!t->active && t->nchain == 0) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	rj_kv_bool(j, "active", t->active);
	rj_kv_field(j, "version", t->version, sizeof(t->version));
	rj_kv_field(j, "cipher", t->cipher, sizeof(t->cipher));
	rj_kv_field(j, "kx_group", t->kx_group, sizeof(t->kx_group));
	rj_kv_field(j, "signature", t->sig_alg, sizeof(t->sig_alg));
	rj_kv_bool(j, "resumable", t->resumable);
	rj_kv_bool(j, "verified", t->verified);
	rj_kv_str(j, "verify_reason", t->verify_reason ? t->verify_reason :
	    "");
	rj_kv_bool(j, "pinned", t->pinned);
	rj_kv_bool(j, "pin_matched", t->pin_matched);
	rj_kv_bool(j, "chain_complete", t->chain_complete);
	rj_kv_bool(j, "chain_in_order", t->chain_in_order);
	rj_kv_str(j, "ocsp", outcome_ocsp_name(t->ocsp));
	json_key(j, "chain");
	json_array_begin(j);
	for (size_t i = 0; i < t->nchain; i++)
		rj_cert(j, &t->chain[i], now);
	json_array_end(j);
	json_object_end(j);
}

static void
rj_error(struct json *j, const struct err *e)
{
	json_key(j, "error");
	if (e->cls == ERR_NONE) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	rj_kv_str(j, "class", rj_class_name(e->cls));
	rj_kv_str(j, "step", *err_step_name(e->step) ?
	    err_step_name(e->step) : NULL);
	json_key(j, "code");
	if (e->code != 0)
		json_int(j, e->code);
	else
		json_null(j);
	rj_kv_field(j, "message", e->msg, sizeof(e->msg));
	rj_kv_field(j, "hint", e->hint, sizeof(e->hint));
	json_object_end(j);
}

static void
rj_versions(struct json *j, const struct outcome *o)
{
	json_key(j, "tls_versions");
	json_object_begin(j);
	for (size_t i = 0; i < OUTCOME_NVERS; i++)
		rj_kv_str(j, outcome_version_name(i),
		    outcome_ver_name(o->tls_versions[i]));
	json_object_end(j);
}

/* The facts of one session, shared by both reports. */
static void
rj_session(struct json *j, const struct outcome *o, time_t now)
{
	json_object_begin(j);
	rj_kv_str(j, "server", o->server);
	rj_kv_field(j, "address", o->address, sizeof(o->address));
	rj_kv_int(j, "port", o->port);
	rj_kv_str(j, "tls_mode", o->tls_off ? "off" : o->implicit_tls ?
	    "implicit" : "starttls");
	rj_kv_bool(j, "reached", verdict_reached(o));
	rj_kv_str(j, "greeting", o->greeting);
	rj_kv_lines(j, "ehlo", o->caps_plain);
	rj_kv_bool(j, "starttls_offered", o->starttls_offered);
	json_key(j, "starttls_code");
	if (o->starttls_code != 0)
		json_int(j, o->starttls_code);
	else
		json_null(j);
	rj_kv_bool(j, "auth_in_clear", o->auth_in_clear);
	rj_tls(j, &o->tls, now);
	rj_versions(j, o);
	rj_kv_lines(j, "ehlo_tls", o->caps_tls);
	rj_error(j, &o->err);
	rj_kv_int(j, "round_trips", o->round_trips);
	rj_kv_int(j, "writes", o->writes);
	json_object_end(j);
}

static int
rj_print(FILE *fp, struct json *j)
{
	size_t len;
	const char *text = json_text(j, &len);
	int rc = -1;

	if (text != NULL && fwrite(text, 1, len, fp) == len)
		rc = 0;
	json_free(j);
	return rc;
}

static void
rj_head(struct json *j, const char *mode, time_t now)
{
	json_object_begin(j);
	rj_kv_int(j, "version", REPORT_JSON_VERSION);
	rj_kv_str(j, "mode", mode);
	rj_kv_time(j, "time", now);
}

/* null until the message was fitted to the server */
static void
rj_message(struct json *j, const struct msg_facts *m)
{
	json_key(j, "message");
	if (!m->fitted) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	rj_kv_int(j, "size", (long long)m->size);
	rj_kv_str(j, "body", m->eightbit ? "8BITMIME" : "7BIT");
	rj_kv_bool(j, "smtputf8", m->smtputf8);
	rj_kv_bool(j, "converted", m->converted);
	json_object_end(j);
}

int
report_json_send(FILE *fp, const struct outcome *o, time_t now)
{
	struct json j;

	json_init(&j);
	rj_head(&j, "send", now);
	json_key(&j, "session");
	rj_session(&j, o, now);
	rj_kv_str(&j, "auth", *o->auth_mech ? o->auth_mech : NULL);
	rj_message(&j, &o->msg);
	json_key(&j, "recipients");
	json_array_begin(&j);
	for (size_t i = 0; i < o->nrcpt; i++) {
		json_object_begin(&j);
		rj_kv_str(&j, "address", o->rcpts[i].addr);
		json_key(&j, "code");
		if (o->rcpts[i].code != 0)
			json_int(&j, o->rcpts[i].code);
		else
			json_null(&j);
		rj_kv_str(&j, "text", o->rcpts[i].text);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "final_code");
	if (o->final_code != 0)
		json_int(&j, o->final_code);
	else
		json_null(&j);
	rj_kv_str(&j, "final_text", o->final_text);
	rj_kv_bool(&j, "delivered", o->delivered);
	rj_kv_bool(&j, "delivery_unknown", o->delivery_unknown);
	json_object_end(&j);
	return rj_print(fp, &j);
}

int
report_json_probe(FILE *fp, const char *host, const struct outcome *outs,
    size_t n, const struct verdict *v, int warn_days, time_t now)
{
	struct json j;

	json_init(&j);
	rj_head(&j, "probe", now);
	rj_kv_str(&j, "host", host);
	rj_kv_int(&j, "warn_days", warn_days);
	rj_kv_str(&j, "verdict", v->probed ? verdict_level_name(v->level) :
	    "unknown");
	json_key(&j, "reasons");
	json_array_begin(&j);
	for (size_t i = 0; i < v->nreasons; i++) {
		const struct verdict_reason *r = &v->reasons[i];

		json_object_begin(&j);
		rj_kv_str(&j, "level", r->level == VERDICT_OK ? "info" :
		    verdict_level_name(r->level));
		rj_kv_str(&j, "code", verdict_code_name(r->code));
		rj_kv_int(&j, "port", r->port);
		rj_kv_str(&j, "text", r->text);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "sessions");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++)
		rj_session(&j, &outs[i], now);
	json_array_end(&j);
	json_object_end(&j);
	return rj_print(fp, &j);
}
