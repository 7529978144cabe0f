/*
 * report_json: the --json reports, part of report (the only module that
 * prints).  One JSON object on fp, schema version REPORT_JSON_VERSION,
 * documented in tlsmail(1) under JSON OUTPUT; tests/t-json.sh checks every
 * field's presence and type.  Nothing secret is in an outcome, so nothing
 * secret can be here.
 */
#ifndef TLSMAIL_REPORT_JSON_H
#define TLSMAIL_REPORT_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "outcome.h"
#include "verdict.h"

#define REPORT_JSON_VERSION 1

/* A send: the session's TLS facts, each recipient's reply, the final
 * reply.  Returns 0, or -1 when out of memory (nothing printed). */
int	report_json_send(FILE *, const struct outcome *, time_t now);

/* A probe: the verdict with its reasons, and every port's session. */
int	report_json_probe(FILE *, const char *host,
	    const struct outcome *, size_t n, const struct verdict *,
	    int warn_days, time_t now);

#endif
