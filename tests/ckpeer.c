/*
 * ckpeer: the scripted SMTP peer the socket-level suites share (ckpeer.h).
 */
#include <config.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpeer.h"

void
ckpeer_start(struct ckpeer *p, ckpeer_serve *serve, const char *greeting,
    const char *const *script)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	FILE *log;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	getsockname(lfd, (struct sockaddr *)&sin, &sl);
	p->port = ntohs(sin.sin_port);
	snprintf(p->log, sizeof(p->log), "%s/ckpeer.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(p->log);
	ck_assert_int_ge(fd, 0);
	log = fdopen(fd, "w");
	if ((p->pid = fork()) == 0)
		serve(lfd, greeting, script, log);
	fclose(log);
	close(lfd);
}

char *
ckpeer_finish(struct ckpeer *p)
{
	static char buf[1 << 20];
	FILE *f;
	size_t n;

	waitpid(p->pid, NULL, 0);
	f = fopen(p->log, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(p->log);
	return buf;
}

char *
ckpeer_stop(struct ckpeer *p)
{
	kill(p->pid, SIGTERM);
	return ckpeer_finish(p);
}

void
ckpeer_conf(struct smtp_conf *conf, int timeout_ms)
{
	memset(conf, 0, sizeof(*conf));
	conf->host = "127.0.0.1";
	conf->tls = PLAN_TLS_OFF;
	conf->ehlo = "client.example";
	conf->timeout_ms = timeout_ms;
}

static ssize_t
body_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct ckpeer_body *b = ctx;
	size_t n = b->len - b->off < len ? b->len - b->off : len;

	(void)e;
	memcpy(buf, b->data + b->off, n);
	b->off += n;
	return (ssize_t)n;
}

static int
body_rewind(void *ctx, struct err *e)
{
	(void)e;
	((struct ckpeer_body *)ctx)->off = 0;
	return 0;
}

void
ckpeer_msg(struct smtp_msg *msg, struct ckpeer_body *body, const char *data)
{
	static const char *const rcpt[] = { "b@y.org" };

	body->data = data;
	body->len = strlen(data);
	body->off = 0;
	memset(msg, 0, sizeof(*msg));
	msg->from = "a@x.org";
	msg->rcpts = rcpt;
	msg->nrcpt = 1;
	msg->size = body->len;
	msg->read = body_read;
	msg->rewind = body_rewind;
	msg->ctx = body;
}

int
ckpeer_send(const struct ckpeer *p, struct smtp_conf *conf,
    const struct smtp_msg *msg, struct outcome *out, struct err *e)
{
	struct smtp *s;
	int rc;

	conf->port = p->port;
	if (smtp_open(&s, conf, out, e) < 0)
		return -2;
	rc = smtp_send(s, msg, true, e);
	smtp_close(s);
	return rc;
}
