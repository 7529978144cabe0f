/*
 * ckpeer: the scripted SMTP peer of the suites that drive the SMTP engine
 * over a real socket (check_smtp, check_session).  The peer is a child
 * process on a loopback port that logs what it reads to a file, so that
 * a test can assert what crossed the wire.  How it answers is each
 * suite's own (a ckpeer_serve); the listener, the child, the log, the
 * client's side of the session and a message held in memory are here.
 */
#ifndef TLSMAIL_CKPEER_H
#define TLSMAIL_CKPEER_H

#include <stdio.h>
#include <sys/types.h>

#include "smtp.h"

struct ckpeer {
	pid_t	 pid;
	unsigned port;
	char	 log[4096];
};

/* The child's work: accept on lfd, send greeting (NULL: none), answer
 * from script, write what arrived to log; it must end with _exit. */
typedef void ckpeer_serve(int lfd, const char *greeting,
    const char *const *script, FILE *log);

/* A message in memory, read through smtp_msg's callbacks. */
struct ckpeer_body {
	const char *data;
	size_t	 len, off;
};

/* Listens on a loopback port and forks the peer, serve(greeting,
 * script), for one connection. */
void	 ckpeer_start(struct ckpeer *, ckpeer_serve *serve,
	    const char *greeting, const char *const *script);

/* Waits for the peer to end (it does when the client hangs up) and
 * returns what it logged, in a buffer the next call reuses. */
char	*ckpeer_finish(struct ckpeer *);

/* The same for a peer that may never end by itself: stops it first. */
char	*ckpeer_stop(struct ckpeer *);

/* The client's conf for the peer: 127.0.0.1, no TLS, EHLO client.example,
 * timeout_ms per step; the port is ckpeer_send's. */
void	 ckpeer_conf(struct smtp_conf *, int timeout_ms);

/* One message from a@x.org to b@y.org: the C string data, read through
 * body. */
void	 ckpeer_msg(struct smtp_msg *, struct ckpeer_body *body,
	    const char *data);

/* Opens a session to the peer, sends msg as the last message, closes:
 * smtp_send's result, or -2 when smtp_open failed. */
int	 ckpeer_send(const struct ckpeer *, struct smtp_conf *,
	    const struct smtp_msg *, struct outcome *, struct err *);

#endif
