/*
 * io: the only module that touches sockets.  One connection, one input
 * buffer and one output buffer; the transport under them is the plain
 * socket or a tls_conn.  Commands are queued with io_put and leave in one
 * write at io_flush, so that a pipelined group is one TCP segment and one
 * TLS record (RFC 2920), and Nagle's algorithm is off so that nothing waits
 * for an ACK.
 *
 * Every wait is bounded by the deadline armed with io_arm: a server that
 * stalls or trickles one byte at a time ends in ERR_TEMP, never a hang.
 */
#ifndef TLSMAIL_IO_H
#define TLSMAIL_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "tls.h"

struct io;

/* Resolves host (a name or an IP literal) and connects to the first
 * address that accepts within timeout_ms.  addr receives the numeric
 * address.  Errors: ERR_NOHOST, ERR_TEMP (refused, unreachable, timeout). */
int	io_connect(struct io **, const char *host, unsigned port,
	    int timeout_ms, char *addr, size_t addrlen, struct err *);
/* Closes the connection (TLS close_notify first when active). */
void	io_free(struct io *);
int	io_fd(const struct io *);
/* Our end's address as an RFC 5321 address literal: "[192.0.2.1]" or
 * "[IPv6:2001:db8::1]", for EHLO when this host has no usable name. */
int	io_local_literal(struct io *, char *buf, size_t len, struct err *);

/* Arms the deadline for the next reply or write: timeout_ms from now. */
void	io_arm(struct io *, int timeout_ms);
/* Bounds the whole connection: from now on no wait goes past total_ms,
 * whatever io_arm asks, so that a server answering each step just in
 * time cannot stretch the session without end.  0: no limit. */
void	io_limit(struct io *, int total_ms);

/* Runs the TLS handshake on this connection; afterwards all reads and
 * writes go through it.  The input buffer must be empty. */
int	io_start_tls(struct io *, struct tls_conn *, struct err *);

/* Next line without its line end (CR LF, or a bare LF, tolerated).  *line
 * points into the buffer and stays valid until the next io call.  A line
 * longer than max is ERR_PROTOCOL; end of stream is ERR_TEMP. */
int	io_getline(struct io *, const char **line, size_t *len, size_t max,
	    enum err_step, struct err *);
/* Bytes received but not yet consumed, plus (in plaintext) bytes waiting
 * in the socket: must be 0 right after the 220 reply to STARTTLS. */
size_t	io_unread(struct io *);

/* Queues bytes for the next flush; -1 (ERR_OS) when out of memory. */
int	io_put(struct io *, const void *, size_t, struct err *);
size_t	io_queued(const struct io *);
/* Writes everything queued.  ERR_TEMP on a broken connection or timeout. */
int	io_flush(struct io *, enum err_step, struct err *);

/* Counters for the report and for tests: transport writes (one per
 * flush) and flushes that were followed by a wait for the server. */
unsigned io_writes(const struct io *);

#endif
