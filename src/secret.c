#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"
#include "tty.h"

void
secret_wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
#endif
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	secret_wipe(s, strlen(s));
	free(s);
}

/* Reads the first line of fd into a fresh buffer; the newline (LF or CR LF)
 * is not part of the secret. */
static int
secret_read_line(int fd, const char *what, char **out, struct err *e)
{
	char *buf;
	size_t n = 0;

	if ((buf = malloc(SECRET_MAX + 1)) == NULL)
		return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
	while (n < SECRET_MAX) {
		ssize_t r = read(fd, buf + n, SECRET_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			secret_wipe(buf, n);
			free(buf);
			return err_set(e, ERR_NOINPUT, STEP_AUTH,
			    "cannot read %s: %s", what, strerror(errno));
		}
		if (r == 0 || memchr(buf + n, '\n', (size_t)r) != NULL) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	/* wipe what followed the first line too */
	secret_wipe(buf + strlen(buf), n - strlen(buf));
	*out = buf;
	return 0;
}

static int
secret_from_file(const char *path, char **out, struct err *e)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return err_set(e, ERR_NOINPUT, STEP_AUTH,
		    "cannot open password file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_CONFIG, STEP_AUTH,
		    "password file %s is not a regular file", path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		err_set(e, ERR_CONFIG, STEP_AUTH,
		    "password file %s is owned by another user", path);
		err_hint(e, "chown it to yourself");
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		err_set(e, ERR_CONFIG, STEP_AUTH,
		    "password file %s can be read by others", path);
		err_hint(e, "run: chmod 600 %s", path);
		return -1;
	}
	rc = secret_read_line(fd, path, out, e);
	close(fd);
	return rc;
}

static int
secret_from_env(const char *var, char **out, struct err *e)
{
	const char *v = getenv(var);

	if (v == NULL || *v == '\0') {
		err_set(e, ERR_CONFIG, STEP_AUTH, "environment variable %s "
		    "(from --password-env) is not set", var);
		err_hint(e, "export it in the environment tlsmail runs in, or "
		    "give --password-file or --passwordeval instead");
		return -1;
	}
	if (strlen(v) > SECRET_MAX)
		return err_set(e, ERR_CONFIG, STEP_AUTH,
		    "the password in %s is longer than %d bytes", var,
		    SECRET_MAX);
	if ((*out = strdup(v)) == NULL)
		return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
	return 0;
}

static int
secret_wait(pid_t pid, const char *cmd, struct err *e)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, ERR_OS, STEP_AUTH, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, ERR_CONFIG, STEP_AUTH,
		    "--passwordeval command failed (%s): %.80s",
		    WIFEXITED(status) ? "non-zero exit" : "killed", cmd);
	return 0;
}

/* Reads a command's remaining output to its end, so that it is not killed
 * by SIGPIPE for printing more than the first line. */
static void
secret_drain(int fd)
{
	char buf[512];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) != 0)
		if (r < 0 && errno != EINTR)
			break;
	secret_wipe(buf, sizeof(buf));
}

/* Runs cmd with /bin/sh; its first output line is the secret.  The child
 * keeps stderr so that a token helper can talk to the user.  Messages
 * show the command as shown says (the system file's is not shown to the
 * user under setgid, priv.h). */
static int
secret_from_command(const char *cmd, const char *shown, char **out,
    struct err *e)
{
	int pfd[2], rc;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return err_set(e, ERR_OS, STEP_AUTH, "pipe: %s",
		    strerror(errno));
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(e, ERR_OS, STEP_AUTH, "fork: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	rc = secret_read_line(pfd[0], "--passwordeval output", out, e);
	secret_drain(pfd[0]);	/* "pass show" prints more lines */
	close(pfd[0]);
	if (secret_wait(pid, shown, e) < 0) {
		if (rc == 0)
			secret_free(*out);
		*out = NULL;
		return -1;
	}
	if (rc == 0 && **out == '\0') {
		secret_free(*out);
		*out = NULL;
		return err_set(e, ERR_CONFIG, STEP_AUTH,
		    "--passwordeval command printed nothing: %.80s", shown);
	}
	return rc;
}

int
secret_get(const struct plan *p, char **out, struct err *e)
{
	*out = NULL;
	switch (p->pw_source) {
	case PLAN_PW_FILE:
		return secret_from_file(p->pw_arg, out, e);
	case PLAN_PW_ENV:
		return secret_from_env(p->pw_arg, out, e);
	case PLAN_PW_EVAL:
		return secret_from_command(p->pw_arg, p->pw_hidden ?
		    "(the system configuration's)" : p->pw_arg, out, e);
	case PLAN_PW_VALUE:	/* a config file that passed conf's check */
		if ((*out = strdup(p->pw_arg)) == NULL)
			return err_set(e, ERR_OS, STEP_AUTH, "out of memory");
		return 0;
	case PLAN_PW_PROMPT:	/* none given: ask at the terminal */
		return tty_password(p->user, p->host, out, e);
	case PLAN_PW_NONE:
		break;
	}
	return err_set(e, ERR_CONFIG, STEP_AUTH, "no password source");
}
