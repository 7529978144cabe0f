/*
 * Buffered, deadline-bounded I/O over a non-blocking socket, plain or TLS.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#define IO_READ_CHUNK	16384

struct io {
	int	 fd;
	struct tls_conn *tls;
	char	*in;		/* received, in[inpos..inlen) unread */
	size_t	 inpos, inlen, incap;
	char	*out;		/* queued for the next flush */
	size_t	 outlen, outcap;
	long long deadline;	/* monotonic ms */
	long long end;		/* io_limit's, 0: none */
	int	 limit_ms;
	unsigned writes;
};

static long long
io_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
io_arm(struct io *io, int timeout_ms)
{
	io->deadline = io_now() + timeout_ms;
	if (io->end != 0 && io->deadline > io->end)
		io->deadline = io->end;
}

void
io_limit(struct io *io, int total_ms)
{
	io->limit_ms = total_ms;
	io->end = total_ms > 0 ? io_now() + total_ms : 0;
}

/* The connection broke or was closed (why NULL: closed by the server
 * between replies); what to do is the same either way. */
static int
io_lost(struct err *e, enum err_step step, const char *why)
{
	if (why == NULL)
		err_set(e, ERR_TEMP, step, "connection closed by the server");
	else
		err_set(e, ERR_TEMP, step, "connection lost: %s", why);
	err_hint(e, "the server or the network ended the session; try "
	    "again later");
	return -1;
}

/* Waits until fd is ready for events or the deadline passes. */
static int
io_wait(struct io *io, short events, enum err_step step, struct err *e)
{
	struct pollfd pfd = { .fd = io->fd, .events = events };

	for (;;) {
		long long left = io->deadline - io_now();
		int r;

		if (left <= 0 && io->end != 0 && io->deadline >= io->end)
			return err_set(e, ERR_TEMP, step, "timed out: the "
			    "session took longer than its limit of %d s",
			    (io->limit_ms + 999) / 1000);
		if (left <= 0) {
			err_set(e, ERR_TEMP, step,
			    "timed out waiting for the server");
			err_hint(e, "the server or the network stalled; try "
			    "again later, or raise --timeout");
			return -1;
		}
		r = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_set(e, ERR_OS, step, "poll: %s",
			    strerror(errno));
	}
}

/* ---- connecting ---- */

static int
io_connect_one(const struct addrinfo *ai, int timeout_ms, int *fdp, int *errp)
{
	int fd, one = 1, soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd pfd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*errp = errno;
		return -1;
	}
	/* Each pipelined group is one write; Nagle would hold the next one
	 * back for an ACK.  No TCP Fast Open: on a STARTTLS port the server
	 * speaks first, and a deferred SYN would wait for our data. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
	    errno != EINPROGRESS) {
		*errp = errno;
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((soerr = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (soerr == 0) {
		*errp = ETIMEDOUT;
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
	    soerr != 0) {
		*errp = soerr ? soerr : errno;
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

static int
io_resolve(const char *host, unsigned port, struct addrinfo **res,
    struct err *e)
{
	struct addrinfo hints;
	char service[8];
	unsigned char tmp[sizeof(struct in6_addr)];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if (inet_pton(AF_INET, host, tmp) == 1 ||
	    inet_pton(AF_INET6, host, tmp) == 1)
		hints.ai_flags = AI_NUMERICHOST;
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, res);
	if (rc == 0)
		return 0;
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL) {
		err_set(e, ERR_NOHOST, STEP_RESOLVE, "cannot resolve %s: %s",
		    host, gai_strerror(rc));
		err_hint(e, "check the spelling of --host");
		return -1;
	}
	err_set(e, ERR_TEMP, STEP_RESOLVE, "cannot resolve %s: %s", host,
	    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	err_hint(e, "the name service is not answering; try again later");
	return -1;
}

static struct io *
io_new(int fd)
{
	struct io *io = calloc(1, sizeof(*io));

	if (io != NULL)
		io->fd = fd;
	return io;
}

int
io_connect(struct io **out, const char *host, unsigned port, int timeout_ms,
    char *addr, size_t addrlen, struct err *e)
{
	struct addrinfo *res, *ai;
	int fd = -1, lasterr = 0;

	*out = NULL;
	if (io_resolve(host, port, &res, e) < 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (io_connect_one(ai, timeout_ms, &fd, &lasterr) == 0)
			break;
	}
	if (ai == NULL) {
		freeaddrinfo(res);
		err_set(e, ERR_TEMP, STEP_CONNECT, "cannot connect to %s port "
		    "%u: %s", host, port, strerror(lasterr));
		if (lasterr == ECONNREFUSED)
			err_hint(e, "check --host and --port (587 for STARTTLS, "
			    "465 for implicit TLS)");
		else
			err_hint(e, "check the network, and that no firewall "
			    "blocks port %u", port);
		return -1;
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)addrlen,
	    NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if ((*out = io_new(fd)) == NULL) {
		close(fd);
		return err_set(e, ERR_OS, STEP_CONNECT, "out of memory");
	}
	return 0;
}

void
io_free(struct io *io)
{
	if (io == NULL)
		return;
	if (io->tls != NULL)
		tls_bye(io->tls);
	close(io->fd);
	free(io->in);
	free(io->out);
	free(io);
}

int
io_fd(const struct io *io)
{
	return io->fd;
}

int
io_local_literal(struct io *io, char *buf, size_t len, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	if (getsockname(io->fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL,
	    0, NI_NUMERICHOST) != 0)
		return err_set(e, ERR_OS, STEP_EHLO, "cannot find our own "
		    "address: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		snprintf(buf, len, "[IPv6:%s]", host);
	else
		snprintf(buf, len, "[%s]", host);
	return 0;
}

/* ---- TLS ---- */

int
io_start_tls(struct io *io, struct tls_conn *tls, struct err *e)
{
	for (;;) {
		int r = tls_handshake(tls, e);

		if (r == 0)
			break;
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			if (io_wait(io, r == TLS_WANT_READ ? POLLIN : POLLOUT,
			    STEP_TLS, e) < 0)
				return -1;
			continue;
		}
		return -1;
	}
	io->tls = tls;
	return 0;
}

/* ---- reading ---- */

/* Reads what the transport has into the input buffer; 0 at end of
 * stream, > 0 bytes, -1 on error. */
static ssize_t
io_fill(struct io *io, enum err_step step, struct err *e)
{
	if (io->inpos > 0 && io->inpos == io->inlen)
		io->inpos = io->inlen = 0;
	if (io->incap - io->inlen < IO_READ_CHUNK) {
		size_t keep = io->inlen - io->inpos;
		size_t cap = keep + 2 * IO_READ_CHUNK;
		char *p = malloc(cap);

		if (p == NULL)
			return err_set(e, ERR_OS, step, "out of memory");
		if (keep)
			memcpy(p, io->in + io->inpos, keep);
		free(io->in);
		io->in = p;
		io->incap = cap;
		io->inpos = 0;
		io->inlen = keep;
	}
	for (;;) {
		ssize_t r;
		char *dst = io->in + io->inlen;
		size_t room = io->incap - io->inlen;

		if (io->tls != NULL)
			r = tls_recv(io->tls, dst, room, e);
		else if ((r = recv(io->fd, dst, room, 0)) < 0)
			r = (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) ? TLS_WANT_READ : -1;
		if (r > 0) {
			io->inlen += (size_t)r;
			return r;
		}
		if (r == 0)
			return 0;
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			if (io_wait(io, r == TLS_WANT_READ ? POLLIN : POLLOUT,
			    step, e) < 0)
				return -1;
			continue;
		}
		if (io->tls == NULL)
			io_lost(e, step, strerror(errno));
		else if (e->step == STEP_NONE)
			e->step = step;
		return -1;
	}
}

int
io_getline(struct io *io, const char **line, size_t *len, size_t max,
    enum err_step step, struct err *e)
{
	size_t scanned = 0;

	for (;;) {
		char *start = io->in + io->inpos;
		size_t avail = io->inlen - io->inpos;
		char *lf = avail ? memchr(start + scanned, '\n',
		    avail - scanned) : NULL;
		ssize_t r;

		if (lf != NULL) {
			size_t n = (size_t)(lf - start);

			io->inpos += n + 1;
			if (n > 0 && start[n - 1] == '\r')
				n--;
			if (n > max)
				break;
			*line = start;
			*len = n;
			return 0;
		}
		if (avail > max + 1)
			break;
		scanned = avail;
		if ((r = io_fill(io, step, e)) < 0)
			return -1;
		if (r == 0)
			return io_lost(e, step, NULL);
	}
	return err_set(e, ERR_PROTOCOL, step,
	    "server sent a line longer than %zu octets", max);
}

size_t
io_unread(struct io *io)
{
	size_t n = io->inlen - io->inpos;
	int avail = 0;

	if (io->tls != NULL)
		return n + tls_pending(io->tls);
	if (ioctl(io->fd, FIONREAD, &avail) == 0 && avail > 0)
		n += (size_t)avail;
	return n;
}

/* ---- writing ---- */

int
io_put(struct io *io, const void *p, size_t n, struct err *e)
{
	if (io->outcap - io->outlen < n) {
		size_t cap = io->outcap ? io->outcap : 4096;
		char *q;

		while (cap - io->outlen < n)
			cap *= 2;
		if ((q = realloc(io->out, cap)) == NULL)
			return err_set(e, ERR_OS, STEP_NONE, "out of memory");
		io->out = q;
		io->outcap = cap;
	}
	memcpy(io->out + io->outlen, p, n);
	io->outlen += n;
	return 0;
}

size_t
io_queued(const struct io *io)
{
	return io->outlen;
}

int
io_flush(struct io *io, enum err_step step, struct err *e)
{
	size_t off = 0;

	if (io->outlen == 0)
		return 0;
	io->writes++;
	while (off < io->outlen) {
		ssize_t r;

		if (io->tls != NULL)
			r = tls_send(io->tls, io->out + off, io->outlen - off,
			    e);
		else if ((r = send(io->fd, io->out + off, io->outlen - off,
		    MSG_NOSIGNAL)) < 0)
			r = (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) ? TLS_WANT_WRITE : -1;
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			if (io_wait(io, r == TLS_WANT_READ ? POLLIN : POLLOUT,
			    step, e) < 0)
				return -1;
			continue;
		}
		if (io->tls == NULL || r == 0)
			io_lost(e, step, r == 0 ? "closed" : strerror(errno));
		else if (e->step == STEP_NONE)
			e->step = step;
		return -1;
	}
	io->outlen = 0;
	return 0;
}

unsigned
io_writes(const struct io *io)
{
	return io->writes;
}
