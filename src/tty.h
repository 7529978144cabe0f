/*
 * tty: what tlsmail does for a person at a terminal.
 *
 * The password prompt talks to the controlling terminal, /dev/tty, never
 * to standard input, which carries the message: "tlsmail ... < notes.txt"
 * can still ask.  It asks only when /dev/tty can be opened and standard
 * error is a terminal too; from cron or a script with its output
 * redirected it fails at once with the configuration hint, so it never
 * waits for a person who is not there.  Echo is off while the password is
 * typed, and the terminal is restored however the prompt ends: Enter,
 * Ctrl-D, or a signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT; after SIGTSTP
 * the prompt goes on when the process is continued).
 *
 * The progress state decides when a progress line is due during a long
 * send and what rate to show; report prints it, since only report writes
 * for people.
 */
#ifndef TLSMAIL_TTY_H
#define TLSMAIL_TTY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Prompts "Password for USER at HOST: " on /dev/tty without echo and
 * reads one line.  *out is released with secret_free.  Errors:
 * ERR_CONFIG when there is no terminal to ask on (with the password
 * source options in the hint), when nothing was typed, or when the line
 * is longer than SECRET_MAX; ERR_OS.
 */
int	tty_password(const char *user, const char *host, char **out,
	    struct err *);

/* Messages larger than this show progress (about a megabyte). */
#define TTY_PROGRESS_MIN	(1024 * 1024)
/* At most one new progress line this often. */
#define TTY_PROGRESS_EVERY_MS	250

struct tty_progress {
	bool	 on;		/* stderr is a terminal, the message large */
	bool	 shown;		/* a progress line is on the screen */
	size_t	 total;
	long long start_ms;	/* when the first byte left */
	long long last_ms;	/* when the line was last drawn */
};

enum tty_progress_do {
	TTY_PROGRESS_NONE,	/* nothing to draw */
	TTY_PROGRESS_SHOW,	/* draw done, total and *rate */
	TTY_PROGRESS_CLEAR	/* take the line away */
};

/* fd is where the line would go (standard error). */
void	tty_progress_init(struct tty_progress *, size_t total, int fd);
/* done bytes of total have left: 0 at the start, total at the end (the
 * line is then cleared).  *rate is in bytes a second, 0 when unknown. */
enum tty_progress_do tty_progress_step(struct tty_progress *, size_t done,
	    size_t *rate);
/* Whether a line is still on the screen, which the caller then clears:
 * for a send that failed half-way. */
bool	tty_progress_end(struct tty_progress *);

#endif
