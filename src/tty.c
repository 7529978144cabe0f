/*
 * tty: the password prompt and the progress state.
 *
 * The prompt follows what getpass(3) did before it was withdrawn from
 * POSIX, and OpenBSD's readpassphrase(3): /dev/tty, echo off with
 * TCSAFLUSH (type-ahead typed before the prompt is not taken for the
 * password), and the terminal put back before a signal's default action
 * runs.  Handlers are installed only for signals that were not ignored,
 * so that "nohup tlsmail ..." keeps its SIGHUP ignored.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"
#include "tty.h"

static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	SIGTSTP };
#define TTY_NSIG (sizeof(tty_signals) / sizeof(tty_signals[0]))

/* What the handler needs: written before it is installed. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved, tty_quiet;
static struct sigaction tty_old[TTY_NSIG];
static bool tty_caught[TTY_NSIG];

static void tty_on_signal(int);

static void
tty_catch(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	/* Reset and not blocked inside the handler: raise() there runs the
	 * default action at once. */
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigaction(sig, &sa, NULL);
}

/* Async-signal-safe: tcsetattr, raise and sigaction only. */
static void
tty_on_signal(int sig)
{
	int saved = errno;

	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	raise(sig);
	/* Only a stop returns here, once the process is continued. */
	if (tty_fd >= 0) {
		tcsetattr(tty_fd, TCSAFLUSH, &tty_quiet);
		tty_catch(sig);
	}
	errno = saved;
}

static void
tty_signals_on(void)
{
	for (size_t i = 0; i < TTY_NSIG; i++) {
		tty_caught[i] = sigaction(tty_signals[i], NULL, &tty_old[i]) ==
		    0 && tty_old[i].sa_handler != SIG_IGN;
		if (tty_caught[i])
			tty_catch(tty_signals[i]);
	}
}

static void
tty_signals_off(void)
{
	for (size_t i = 0; i < TTY_NSIG; i++)
		if (tty_caught[i])
			sigaction(tty_signals[i], &tty_old[i], NULL);
}

static int
tty_none(struct err *e)
{
	err_set(e, ERR_CONFIG, STEP_AUTH, "--user needs a password, and "
	    "there is no terminal to ask for it on");
	err_hint(e, "give --password-file, --password-env or --passwordeval");
	return -1;
}

static void
tty_write(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* "Password for USER at HOST: ", anything unprintable shown as '?'. */
static char *
tty_prompt(const char *user, const char *host)
{
	size_t n = strlen(user) + strlen(host) + 24;
	char *p = malloc(n);

	if (p == NULL)
		return NULL;
	snprintf(p, n, "Password for %s at %s: ", user, host);
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 32 || (unsigned char)*q > 126)
			*q = '?';
	return p;
}

/* One line, byte by byte: the terminal hands it over at Enter anyway,
 * and nothing after the line is consumed. */
static int
tty_read_line(int fd, char *buf, struct err *e)
{
	size_t n = 0;
	bool toolong = false;

	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, ERR_OS, STEP_AUTH, "cannot read the "
			    "terminal: %s", strerror(errno));
		if (r == 0 || ch == '\n' || ch == '\r')
			break;
		if (n == SECRET_MAX)
			toolong = true;
		else
			buf[n++] = ch;
		buf[n] = '\0';
	}
	if (toolong)
		return err_set(e, ERR_CONFIG, STEP_AUTH, "the password is "
		    "longer than %d characters", SECRET_MAX);
	if (n == 0)
		return err_set(e, ERR_CONFIG, STEP_AUTH, "no password was "
		    "typed");
	return 0;
}

static int
tty_ask(int fd, const char *prompt, char *buf, struct err *e)
{
	int rc;

	if (tcgetattr(fd, &tty_saved) != 0)
		return tty_none(e);
	tty_quiet = tty_saved;
	tty_quiet.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
	tty_fd = fd;
	tty_signals_on();
	if (tcsetattr(fd, TCSAFLUSH, &tty_quiet) != 0) {
		rc = err_set(e, ERR_OS, STEP_AUTH, "cannot turn the "
		    "terminal's echo off: %s", strerror(errno));
	} else {
		tty_write(fd, prompt);
		rc = tty_read_line(fd, buf, e);
		/* Enter was not echoed either. */
		tty_write(fd, "\n");
	}
	tcsetattr(fd, TCSANOW, &tty_saved);
	tty_fd = -1;
	tty_signals_off();
	return rc;
}

int
tty_password(const char *user, const char *host, char **out,
    struct err *e)
{
	char *prompt, *buf;
	int fd, rc;

	*out = NULL;
	if (!isatty(STDERR_FILENO))
		return tty_none(e);
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return tty_none(e);
	prompt = tty_prompt(user, host);
	buf = calloc(1, SECRET_MAX + 1);
	if (prompt == NULL || buf == NULL)
		rc = err_set(e, ERR_OS, STEP_AUTH, "out of memory");
	else
		rc = tty_ask(fd, prompt, buf, e);
	close(fd);
	free(prompt);
	if (rc < 0)
		secret_free(buf);
	else
		*out = buf;
	return rc;
}

/* ---- progress ---- */

static long long
tty_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tty_progress_init(struct tty_progress *p, size_t total, int fd)
{
	memset(p, 0, sizeof(*p));
	p->total = total;
	p->on = total > TTY_PROGRESS_MIN && isatty(fd);
}

enum tty_progress_do
tty_progress_step(struct tty_progress *p, size_t done, size_t *rate)
{
	long long now;

	*rate = 0;
	if (!p->on)
		return TTY_PROGRESS_NONE;
	if (done >= p->total)
		return tty_progress_end(p) ? TTY_PROGRESS_CLEAR :
		    TTY_PROGRESS_NONE;
	now = tty_now_ms();
	if (done == 0 || p->start_ms == 0) {
		p->start_ms = now;
		return TTY_PROGRESS_NONE;
	}
	if (p->shown && now - p->last_ms < TTY_PROGRESS_EVERY_MS)
		return TTY_PROGRESS_NONE;
	p->shown = true;
	p->last_ms = now;
	if (now > p->start_ms)
		*rate = done * 1000 / (size_t)(now - p->start_ms);
	return TTY_PROGRESS_SHOW;
}

bool
tty_progress_end(struct tty_progress *p)
{
	bool was = p->shown;

	p->shown = false;
	return was;
}
