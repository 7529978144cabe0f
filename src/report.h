/*
 * report: the only module that writes for people.  Every byte that came
 * from the server or the network is sanitised before it reaches a terminal.
 */
#ifndef TLSMAIL_REPORT_H
#define TLSMAIL_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "err.h"
#include "outcome.h"

/* Copies in to out, keeping printable ASCII and space, writing every other
 * byte (control characters, DEL, 8-bit bytes, NUL) as \xNN.  out always ends
 * with NUL; the copy is cut short, whole escapes only, when cap is too small.
 * Returns the length written. */
size_t	report_sanitize(char *out, size_t cap, const char *in, size_t len);

/* The --report text on fp: what protected the message.  now is used for
 * "days left" so that tests can fix it. */
void	report_session(FILE *, const struct outcome *, time_t now);

/* One line naming the step, what happened and what to do. */
void	report_error(FILE *, const char *prog, const struct err *);

/* -v: one transcript line.  dir is '<' (from server), '>' (to server) or
 * '*' (tlsmail's own note).  Callers mask secrets before calling. */
void	report_transcript(FILE *, char dir, const char *line, size_t len);

#endif
