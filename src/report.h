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
#include "verdict.h"

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

/* The progress line of a long send (tty.h decides when), drawn over the
 * previous one: "\rtlsmail: sent 12.5 of 50.0 MiB (25%), 8.1 MiB/s",
 * padded to a fixed width; rate 0 leaves the rate out.  _clear blanks
 * it and returns the cursor to the start of the line. */
void	report_progress(FILE *, size_t done, size_t total, size_t rate);
void	report_progress_clear(FILE *);

/* For a person about to type the message at a terminal, which otherwise
 * just waits: how to end it. */
void	report_typing(FILE *);

/* --probe: every port's session, the chain, the versions accepted, then
 * the verdict with each reason; on fp (stdout). */
void	report_probe(FILE *, const struct outcome *, size_t n,
	    const struct verdict *, time_t now);

/* --pretend: the settled settings, one "label: value" a line, the
 * password never shown (its source is). */
struct plan;
void	report_plan(FILE *, const struct plan *);

#endif
