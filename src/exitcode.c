#include <config.h>

#include <sysexits.h>

#include "exitcode.h"

/*
 * Callers retry on EX_TEMPFAIL (sendmail's contract, which cron, mailx and
 * git rely on), so every failure that may succeed later maps there: a
 * connection that fails or breaks, a timeout, any 4xx reply.  A 5xx reply
 * to MAIL, RCPT or the message means the input was refused for good:
 * EX_DATAERR.  EX_UNAVAILABLE says the server cannot be used at all: it
 * refused service, or it cannot give the verified TLS that is required.
 */
int
exitcode_of(const struct err *e)
{
	switch (e->cls) {
	case ERR_NONE:
		return EX_OK;
	case ERR_USAGE:
		return EX_USAGE;
	case ERR_DATA:
		return EX_DATAERR;
	case ERR_NOINPUT:
		return EX_NOINPUT;
	case ERR_CONFIG:
		return EX_CONFIG;
	case ERR_NOHOST:
		return EX_NOHOST;
	case ERR_TEMP:
		return EX_TEMPFAIL;
	case ERR_UNAVAILABLE:
	case ERR_SECURITY:
		return EX_UNAVAILABLE;
	case ERR_PROTOCOL:
		return EX_PROTOCOL;
	case ERR_AUTH:
		return EX_NOPERM;
	case ERR_OS:
		return EX_OSERR;
	case ERR_INTERNAL:
		break;
	}
	return EX_SOFTWARE;
}

/*
 * Monitoring systems read a probe's status, not its words: Nagios and its
 * successors (Icinga, Naemon, Sensu, Zabbix's checks) take 0 OK, 1
 * WARNING, 2 CRITICAL, 3 UNKNOWN.  UNKNOWN is "the check could not run",
 * which is not the same as a server that refuses TLS (a finding: 2).
 */
int
exitcode_probe(const struct verdict *v)
{
	if (v == NULL || !v->probed)
		return EXITCODE_PROBE_UNKNOWN;
	switch (v->level) {
	case VERDICT_OK:
		return EXITCODE_PROBE_OK;
	case VERDICT_WARN:
		return EXITCODE_PROBE_WARN;
	case VERDICT_FAIL:
		break;
	}
	return EXITCODE_PROBE_FAIL;
}
