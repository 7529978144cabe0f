/*
 * Check suite for msg: messages are fed through a pipe or a socket, the
 * spool is read back and compared byte for byte with the normalised
 * message expected (RFC 5321 2.3.8 CR LF line ends, Bcc removed), and the
 * recipients -t collects are compared in order.  Splitting the input at
 * every offset must not change the result.
 */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"
#include "ckrun.h"

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = 2 * (b->len + n + 1);
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Starts a child writing data to the descriptor returned: through a pipe
 * in one go when step is 0, else as SOCK_SEQPACKET records, step bytes
 * each, so that every read(2) of msg_read gets exactly one record.
 */
static int
writer_start(const char *data, size_t len, size_t step, pid_t *pid)
{
	int sv[2];

	if (step == 0)
		ck_assert_int_eq(pipe(sv), 0);
	else
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv),
		    0);
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		close(sv[0]);
		for (size_t off = 0; off < len; off += step ? step : len)
			write_all(sv[1], data + off, step && len - off > step ?
			    step : len - off);
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

/* Reads the message with data[0..cut) and data[cut..len) as two records,
 * without a child: two small records fit in the socket buffer. */
static int
read_split(struct msg **m, const char *data, size_t len, size_t cut,
    const struct msg_opts *o, struct err *e)
{
	int sv[2], r;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	if (cut > 0)
		ck_assert_int_eq(write(sv[1], data, cut), (ssize_t)cut);
	if (len > cut)
		ck_assert_int_eq(write(sv[1], data + cut, len - cut),
		    (ssize_t)(len - cut));
	close(sv[1]);
	r = msg_read(m, sv[0], o, e);
	close(sv[0]);
	return r;
}

/* Reads the message through a child writer (see writer_start). */
static int
read_via(struct msg **m, const char *data, size_t len, size_t step,
    const struct msg_opts *o, struct err *e)
{
	pid_t pid;
	int fd = writer_start(data, len, step, &pid), r;

	r = msg_read(m, fd, o, e);
	/* Closed first: a writer left blocked by a refusal gets EPIPE. */
	close(fd);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return r;
}

/* The spool, read back chunk bytes at a time. */
static struct buf
slurp(struct msg *m, size_t chunk)
{
	struct buf b = { NULL, 0, 0 };
	char *tmp = malloc(chunk);
	struct err e;
	ssize_t n;

	ck_assert_ptr_nonnull(tmp);
	err_clear(&e);
	ck_assert_int_eq(msg_rewind(m, &e), 0);
	buf_add(&b, "", 0);
	while ((n = msg_read_chunk(m, tmp, chunk, &e)) > 0)
		buf_add(&b, tmp, (size_t)n);
	ck_assert_msg(n == 0, "read back failed: %s", e.msg);
	free(tmp);
	return b;
}

/* Recipients, each followed by '\n'. */
static struct buf
rcpts(const struct msg *m)
{
	struct buf b = { NULL, 0, 0 };

	buf_add(&b, "", 0);
	for (size_t i = 0; i < msg_rcpt_count(m); i++) {
		buf_add(&b, msg_rcpt(m, i), strlen(msg_rcpt(m, i)));
		buf_add(&b, "\n", 1);
	}
	ck_assert_ptr_null(msg_rcpt(m, msg_rcpt_count(m)));
	return b;
}

/* Asserts spool, size and recipients of one read. */
static void
assert_msg(struct msg *m, const char *want, size_t wlen, const char *want_rc,
    const char *how)
{
	struct buf got = slurp(m, 7), rc = rcpts(m);

	ck_assert_msg(got.len == wlen && memcmp(got.p, want, wlen) == 0,
	    "%s: spool differs (%zu bytes, want %zu): \"%s\"", how, got.len,
	    wlen, got.p);
	ck_assert_uint_eq(msg_size(m), wlen);
	ck_assert_msg(strcmp(rc.p, want_rc) == 0, "%s: recipients \"%s\", "
	    "want \"%s\"", how, rc.p, want_rc);
	buf_free(&got);
	buf_free(&rc);
}

/*
 * Reads in through a pipe, then split in two at every offset, then one
 * byte per read, and asserts each time that the spool is want and the
 * recipients want_rc.
 */
static void
expect(const char *in, size_t len, bool read_rcpts, const char *want,
    size_t wlen, const char *want_rc)
{
	struct msg_opts o = { .read_rcpts = read_rcpts, .tmpdir = NULL };
	struct msg *m;
	struct err e;

	err_clear(&e);
	ck_assert_msg(read_via(&m, in, len, 0, &o, &e) == 0, "%s", e.msg);
	assert_msg(m, want, wlen, want_rc, "pipe");
	msg_free(m);
	for (size_t cut = 0; cut <= len; cut++) {
		ck_assert_msg(read_split(&m, in, len, cut, &o, &e) == 0,
		    "cut %zu: %s", cut, e.msg);
		assert_msg(m, want, wlen, want_rc, "split");
		msg_free(m);
	}
	ck_assert_msg(read_via(&m, in, len, 1, &o, &e) == 0, "%s", e.msg);
	assert_msg(m, want, wlen, want_rc, "byte by byte");
	msg_free(m);
}

#define EXPECT(in, rc, want, want_rc) \
	expect(in, sizeof(in) - 1, rc, want, sizeof(want) - 1, want_rc)

/* Reads in through a pipe and returns the message, asserting success. */
static struct msg *
read_ok(const char *in, size_t len, const struct msg_opts *o)
{
	struct msg *m;
	struct err e;

	err_clear(&e);
	ck_assert_msg(read_via(&m, in, len, 0, o, &e) == 0, "%s", e.msg);
	return m;
}

/* Asserts that reading in fails with cls and a message holding what. */
static void
expect_fail(const char *in, size_t len, const struct msg_opts *o,
    enum err_class cls, const char *what)
{
	struct msg *m = (struct msg *)&m;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(read_via(&m, in, len, 0, o, &e), -1);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.cls, cls);
	ck_assert_int_eq(e.step, STEP_MESSAGE);
	ck_assert_msg(strstr(e.msg, what) != NULL, "message \"%s\" lacks "
	    "\"%s\"", e.msg, what);
}

/* A message whose first line is not a field has no header block: it is
 * spooled whole, Bcc lines included. */
START_TEST(test_no_header)
{
	EXPECT("just a body line\nBcc: stays@x.org\n", true,
	    "just a body line\r\nBcc: stays@x.org\r\n", "");
	EXPECT(" indented\nBcc: stays@x.org\n", false,
	    " indented\r\nBcc: stays@x.org\r\n", "");
	EXPECT("From a@x.org Sat Jan  1 00:00:00 2000\nBcc: b@x.org\n", true,
	    "From a@x.org Sat Jan  1 00:00:00 2000\r\nBcc: b@x.org\r\n", "");
	EXPECT(":x\nBcc: b@x.org\n", true, ":x\r\nBcc: b@x.org\r\n", "");
	EXPECT("\nBcc: b@x.org\n", true, "\r\nBcc: b@x.org\r\n", "");
}
END_TEST

/* Header and body are spooled with CR LF line ends, nothing added. */
START_TEST(test_header_body)
{
	EXPECT("From: a@x.org\nTo: b@y.org\nSubject: hi\n\nbody\n.\n", false,
	    "From: a@x.org\r\nTo: b@y.org\r\nSubject: hi\r\n\r\nbody\r\n"
	    ".\r\n", "");
	/* Only header fields, no body, no final newline. */
	EXPECT("Subject: hi", false, "Subject: hi\r\n", "");
	/* obs-optional: white space before the colon. */
	EXPECT("Subject : hi\n\nx", false, "Subject : hi\r\n\r\nx\r\n", "");
}
END_TEST

/* Bcc fields go, whatever their case, with their continuation lines;
 * "Bcc" inside other names or in the body stays. */
START_TEST(test_bcc_removed)
{
	EXPECT("From: a@x.org\nBcc: s@y.org,\n t@z.org\nTo: b@y.org\n"
	    "BCC: u@v.org\nbcc : w@x.org\nX-Bcc: keep\nBccx: keep\n"
	    "Subject: s\n\tfolded\n\nBcc: in body\n", false,
	    "From: a@x.org\r\nTo: b@y.org\r\nX-Bcc: keep\r\nBccx: keep\r\n"
	    "Subject: s\r\n\tfolded\r\n\r\nBcc: in body\r\n", "");
	/* The last field is a Bcc: the empty line stays. */
	EXPECT("To: b@y.org\nBcc: s@y.org\n\nbody\n", false,
	    "To: b@y.org\r\n\r\nbody\r\n", "");
	/* Only a Bcc, no body, no newline: nothing is left. */
	EXPECT("Bcc: s@y.org", false, "", "");
}
END_TEST

/* -t: To, Cc and Bcc, with groups and folded lines, in header order;
 * fields in the body and other fields do not count. */
START_TEST(test_read_rcpts)
{
	EXPECT("To: Ann <a@x.org>, b@y.org\nX-To: no@x.org\n"
	    "Cc: team: c@z.org, d@z.org;, undisclosed-recipients:;\n"
	    "Bcc: e@z.org,\n\t\"F, G\" <f@z.org>\nsubject: s\n\n"
	    "To: body@x.org\n", true,
	    "To: Ann <a@x.org>, b@y.org\r\nX-To: no@x.org\r\n"
	    "Cc: team: c@z.org, d@z.org;, undisclosed-recipients:;\r\n"
	    "subject: s\r\n\r\nTo: body@x.org\r\n",
	    "a@x.org\nb@y.org\nc@z.org\nd@z.org\ne@z.org\nf@z.org\n");
	/* Without -t, nothing is collected. */
	EXPECT("To: a@x.org\n\n", false, "To: a@x.org\r\n\r\n", "");
}
END_TEST

/* Duplicates go, the first kept: local parts exact, domains without
 * case. */
START_TEST(test_rcpt_dedup)
{
	EXPECT("To: a@X.org, A@x.org, a@x.ORG\nCc: A@X.ORG, \"a\"@x.org\n"
	    "Bcc: a@x.org, b@y.org, \"a\"@X.org\n\n", true,
	    "To: a@X.org, A@x.org, a@x.ORG\r\nCc: A@X.ORG, \"a\"@x.org\r\n"
	    "\r\n", "a@X.org\nA@x.org\n\"a\"@x.org\nb@y.org\n");
}
END_TEST

/* RFC 5322 3.6.6: with Resent- destinations, the top block's are the
 * recipients; Resent-Bcc goes like Bcc. */
START_TEST(test_resent)
{
	static const char in[] =
	    "Resent-From: r@x.org\nResent-To: new@x.org\n"
	    "Resent-Bcc: hidden@x.org\nResent-Date: Sat, 1 Jan 2000\n"
	    "Resent-From: old@x.org\nResent-To: older@x.org\n"
	    "Resent-Bcc: oldhidden@x.org\n"
	    "From: a@x.org\nTo: orig@x.org\nBcc: ob@x.org\n\nbody\n";
	static const char want[] =
	    "Resent-From: r@x.org\r\nResent-To: new@x.org\r\n"
	    "Resent-Date: Sat, 1 Jan 2000\r\n"
	    "Resent-From: old@x.org\r\nResent-To: older@x.org\r\n"
	    "From: a@x.org\r\nTo: orig@x.org\r\n\r\nbody\r\n";

	EXPECT(in, true, want, "new@x.org\nhidden@x.org\n");
	EXPECT(in, false, want, "");
	/* A trace field between blocks ends the first one. */
	EXPECT("Resent-Cc: new@x.org\nReceived: by x\n"
	    "Resent-To: older@x.org\nTo: orig@x.org\n\n", true,
	    "Resent-Cc: new@x.org\r\nReceived: by x\r\n"
	    "Resent-To: older@x.org\r\nTo: orig@x.org\r\n\r\n",
	    "new@x.org\n");
	/* Resent- fields without destinations leave To in charge. */
	EXPECT("Resent-From: r@x.org\nTo: orig@x.org\n\n", true,
	    "Resent-From: r@x.org\r\nTo: orig@x.org\r\n\r\n",
	    "orig@x.org\n");
}
END_TEST

/* Bare CR and bare LF become CR LF before the header is parsed, so the
 * header block is found and Bcc removed in any of them. */
START_TEST(test_line_ends)
{
	EXPECT("To: a@x.org\rBcc: b@x.org\r\r.body\rline", true,
	    "To: a@x.org\r\n\r\n.body\r\nline\r\n", "a@x.org\nb@x.org\n");
	EXPECT("To: a@x.org\r\nBcc: b@x.org,\n c@x.org\r\rbody\n", true,
	    "To: a@x.org\r\n\r\nbody\r\n", "a@x.org\nb@x.org\nc@x.org\n");
	EXPECT("Subject: x\r\r\n\r\nbody\r\r\n", false,
	    "Subject: x\r\n\r\n\r\nbody\r\n\r\n", "");
}
END_TEST

/* NUL bytes are data: kept in header values and body. */
START_TEST(test_nul_bytes)
{
	EXPECT("Subject: a\0b\n\nx\0y\n\0", false,
	    "Subject: a\0b\r\n\r\nx\0y\r\n\0\r\n", "");
}
END_TEST

/* A line that is neither field nor continuation ends the header block
 * and is kept as the first body line; no empty line is inserted. */
START_TEST(test_header_end_other)
{
	EXPECT("To: a@x.org\nnot a header\nBcc: b@y.org\n", true,
	    "To: a@x.org\r\nnot a header\r\nBcc: b@y.org\r\n", "a@x.org\n");
	EXPECT("To: a@x.org\n\xc3\xa9t\xc3\xa9: x\nBcc: b@y.org\n", true,
	    "To: a@x.org\r\n\xc3\xa9t\xc3\xa9: x\r\nBcc: b@y.org\r\n",
	    "a@x.org\n");
}
END_TEST

/* An empty input is an empty message. */
START_TEST(test_empty)
{
	EXPECT("", true, "", "");
}
END_TEST

/* The 8-bit flag follows the bytes sent: a removed Bcc does not set it. */
START_TEST(test_8bit)
{
	struct msg_opts o = { .read_rcpts = false };
	struct msg *m;
	static const char in1[] = "Subject: caf\xc3\xa9\n\nx\n";
	static const char in2[] = "Subject: cafe\n\nx\x7f\n";
	static const char in3[] = "Bcc: \xc3\xa9@x.org\nTo: a@x.org\n\nx\n";

	m = read_ok(in1, sizeof(in1) - 1, &o);
	ck_assert(msg_has_8bit(m));
	msg_free(m);
	m = read_ok(in2, sizeof(in2) - 1, &o);
	ck_assert(!msg_has_8bit(m));
	msg_free(m);
	m = read_ok(in3, sizeof(in3) - 1, &o);
	ck_assert(!msg_has_8bit(m));
	msg_free(m);
}
END_TEST

/* The longest line is counted without its CR LF, over what is sent. */
START_TEST(test_longest_line)
{
	struct msg_opts o = { .read_rcpts = false };
	struct buf in = { NULL, 0, 0 };
	char line[1000];
	struct msg *m;

	memset(line, 'x', sizeof(line));
	buf_add(&in, "Subject: s\n\n", 12);
	buf_add(&in, line, 998);
	buf_add(&in, "\r\n", 2);
	buf_add(&in, line, 999);
	buf_add(&in, "\r", 1);
	buf_add(&in, line, 997);
	m = read_ok(in.p, in.len, &o);
	ck_assert_uint_eq(msg_longest_line(m), 999);
	ck_assert_uint_eq(msg_size(m), 14 + 998 + 999 + 997 + 3 * 2);
	msg_free(m);
	buf_free(&in);

	/* The last line without newline counts; a removed Bcc does not. */
	buf_add(&in, "Bcc: ", 5);
	buf_add(&in, line, 500);
	buf_add(&in, "\n\nshort", 7);
	m = read_ok(in.p, in.len, &o);
	ck_assert_uint_eq(msg_longest_line(m), 5);
	msg_free(m);
	buf_free(&in);
}
END_TEST

/* -t addresses that carry CR or LF, folded or not, are refused as data
 * and the error names the field. */
START_TEST(test_rcpt_injection)
{
	struct msg_opts o = { .read_rcpts = true };
	static const char in1[] = "To: bob@x.org\n RCPT TO:<evil@y.org>\n\n";
	static const char in2[] = "To: \"bob\r\nRCPT TO:<evil>\"@x.org\n\n";
	static const char in3[] = "Cc: <bob@x.org\n\tRCPT TO:evil@y.org>\n\n";
	static const char in4[] = "To: a@x.org\nBcc: \"a\x01\"@x.org\n\n";

	expect_fail(in1, sizeof(in1) - 1, &o, ERR_DATA,
	    "To field: cannot parse address list: expected ',' between "
	    "addresses at \"RCPT");
	expect_fail(in2, sizeof(in2) - 1, &o, ERR_DATA,
	    "To field: cannot parse address list: unbalanced quote");
	expect_fail(in3, sizeof(in3) - 1, &o, ERR_DATA, "Cc field: ");
	expect_fail(in4, sizeof(in4) - 1, &o, ERR_DATA,
	    "Bcc field: address \"\"a\\x01\"@x.org\" contains a control "
	    "character (\\x01)");
	/* Without -t the same headers are only data. */
	o.read_rcpts = false;
	msg_free(read_ok(in1, sizeof(in1) - 1, &o));
}
END_TEST

/* A read error is reported as ERR_OS. */
START_TEST(test_read_error)
{
	struct msg_opts o = { .read_rcpts = false };
	struct msg *m;
	struct err e;
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	close(fd[0]);
	err_clear(&e);
	/* The write end cannot be read. */
	ck_assert_int_eq(msg_read(&m, fd[1], &o, &e), -1);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.cls, ERR_OS);
	ck_assert_msg(strstr(e.msg, "cannot read the message") != NULL, "%s",
	    e.msg);
	close(fd[1]);
}
END_TEST

/* Descriptors of this process open on deleted files in dir. */
static int
spool_files_in(const char *dir)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], target[512];
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, dir, strlen(dir)) == 0 &&
		    strstr(target, " (deleted)") != NULL)
			n++;
	}
	closedir(d);
	return n;
}

/* A 2 MiB message (with bare LF) goes to an unlinked file in tmpdir and
 * reads back byte for byte, twice; a small one stays in memory. */
START_TEST(test_file_spool)
{
	char tmpl[] = "/tmp/check_msg.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct msg_opts o = { .read_rcpts = false };
	struct buf in = { NULL, 0, 0 }, want = { NULL, 0, 0 }, got;
	struct msg *m;
	char line[200];
	unsigned i;

	ck_assert_ptr_nonnull(dir);
	o.tmpdir = dir;
	buf_add(&in, "Subject: big\nBcc: x@y.org\n\n", 27);
	buf_add(&want, "Subject: big\r\n\r\n", 16);
	for (i = 0; want.len < 2 * 1024 * 1024; i++) {
		int n = snprintf(line, sizeof(line), "%s%u %.*s", i % 7 ? "" :
		    ".", i, (int)(i % 150), "0123456789abcdef0123456789abcde"
		    "f0123456789abcdef0123456789abcdef0123456789abcdef0123456"
		    "789abcdef0123456789abcdef0123456789abcdef0123456789abcd");

		buf_add(&in, line, (size_t)n);
		buf_add(&in, "\n", 1);
		buf_add(&want, line, (size_t)n);
		buf_add(&want, "\r\n", 2);
	}
	m = read_ok(in.p, in.len, &o);
	ck_assert_uint_eq(msg_size(m), want.len);
	ck_assert_int_eq(spool_files_in(dir), 1);
	for (int pass = 0; pass < 2; pass++) {
		got = slurp(m, pass ? 65536 + 17 : 4093);
		ck_assert_uint_eq(got.len, want.len);
		ck_assert_int_eq(memcmp(got.p, want.p, want.len), 0);
		buf_free(&got);
	}
	msg_free(m);
	ck_assert_int_eq(spool_files_in(dir), 0);

	m = read_ok("Subject: small\n\nx\n", 18, &o);
	ck_assert_int_eq(spool_files_in(dir), 0);
	msg_free(m);
	/* Nothing is left in the directory. */
	ck_assert_int_eq(rmdir(dir), 0);
	buf_free(&in);
	buf_free(&want);
}
END_TEST

/* Exactly MSG_MEM_MAX stays in memory; one more octet needs the file,
 * and an unusable tmpdir is then an ERR_OS naming it. */
START_TEST(test_spool_dir_error)
{
	struct msg_opts o = { .tmpdir = "/nonexistent/tlsmail-test" };
	char *in = malloc(MSG_MEM_MAX + 1);
	struct msg *m;
	struct buf got;

	ck_assert_ptr_nonnull(in);
	memset(in, 'x', MSG_MEM_MAX);
	memcpy(in + MSG_MEM_MAX - 2, "\r\n", 2);
	m = read_ok(in, MSG_MEM_MAX, &o);
	got = slurp(m, 100000);
	ck_assert_uint_eq(got.len, MSG_MEM_MAX);
	ck_assert_int_eq(memcmp(got.p, in, MSG_MEM_MAX), 0);
	buf_free(&got);
	msg_free(m);
	memcpy(in + MSG_MEM_MAX - 2, "x\r\n", 3);
	expect_fail(in, MSG_MEM_MAX + 1, &o, ERR_OS,
	    "cannot create a spool file in /nonexistent/tlsmail-test");
	free(in);
}
END_TEST

/* Builds a header block of at least size octets from 100-octet fields,
 * followed by an empty line and a body. */
static struct buf
big_header(size_t size)
{
	struct buf b = { NULL, 0, 0 };
	char field[101];

	memset(field, 'h', sizeof(field));
	memcpy(field, "X-Filler: ", 10);
	memcpy(field + 98, "\r\n", 2);
	while (b.len + 100 <= size)
		buf_add(&b, field, 100);
	if (b.len < size) {
		memcpy(field + size - b.len - 2, "\r\n", 2);
		buf_add(&b, field, size - b.len);
	}
	buf_add(&b, "\r\nbody\r\n", 8);
	return b;
}

/* A header block of exactly MSG_HEADER_MAX octets passes; one more is
 * ERR_DATA. */
START_TEST(test_header_cap)
{
	struct msg_opts o = { .read_rcpts = true };
	struct buf in = big_header(MSG_HEADER_MAX), got;
	struct msg *m;

	m = read_ok(in.p, in.len, &o);
	got = slurp(m, 65536);
	ck_assert_uint_eq(got.len, in.len);
	ck_assert_int_eq(memcmp(got.p, in.p, in.len), 0);
	buf_free(&got);
	msg_free(m);
	buf_free(&in);

	in = big_header(MSG_HEADER_MAX + 1);
	expect_fail(in.p, in.len, &o, ERR_DATA,
	    "header block larger than 1 MiB");
	buf_free(&in);
	/* One field line longer than the cap, never ended. */
	buf_add(&in, "X-Long: ", 8);
	while (in.len < 3 * MSG_HEADER_MAX)
		buf_add(&in, "long value ", 11);
	expect_fail(in.p, in.len, &o, ERR_DATA,
	    "header block larger than 1 MiB");
	buf_free(&in);
}
END_TEST

/* A header line that never ends is refused once it passes the cap,
 * without reading on: the writer, 16 MiB from done, sees the pipe
 * closed. */
START_TEST(test_header_endless)
{
	struct msg_opts o = { .read_rcpts = false };
	struct msg *m;
	struct err e;
	int fd[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char chunk[4096];

		close(fd[0]);
		memset(chunk, 'v', sizeof(chunk));
		write_all(fd[1], "X-Endless: ", 11);
		for (int i = 0; i < 4096; i++)
			write_all(fd[1], chunk, sizeof(chunk));
		_exit(0);
	}
	close(fd[1]);
	err_clear(&e);
	ck_assert_int_eq(msg_read(&m, fd[0], &o, &e), -1);
	ck_assert_int_eq(e.cls, ERR_DATA);
	ck_assert_str_eq(e.msg, "header block larger than 1 MiB");
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
}
END_TEST

/* RFC 5322 2.1.1: a 998-octet field name is a field, a 999-octet run of
 * name characters is not, so the Bcc after it is body. */
START_TEST(test_field_name_max)
{
	struct msg_opts o = { .read_rcpts = false };
	struct buf in = { NULL, 0, 0 }, want = { NULL, 0, 0 }, got;
	char name[1000];
	struct msg *m;

	memset(name, 'N', sizeof(name));
	for (size_t len = 998; len <= 999; len++) {
		buf_add(&in, name, len);
		buf_add(&in, ":\r\nBcc: b@y.org\r\n\r\n", 19);
		buf_add(&want, name, len);
		if (len == 998)
			buf_add(&want, ":\r\n\r\n", 5);
		else
			buf_add(&want, in.p + len, 19);
		m = read_ok(in.p, in.len, &o);
		got = slurp(m, 4096);
		ck_assert_uint_eq(got.len, want.len);
		ck_assert_int_eq(memcmp(got.p, want.p, want.len), 0);
		buf_free(&got);
		buf_free(&in);
		buf_free(&want);
		msg_free(m);
	}
}
END_TEST

/* A first line of 2 MiB without a colon is body, not an endless field
 * name: no header-size error. */
START_TEST(test_long_first_line)
{
	struct msg_opts o = { .read_rcpts = false };
	size_t len = 2 * 1024 * 1024;
	char *in = malloc(len + 2);
	struct msg *m;

	ck_assert_ptr_nonnull(in);
	memset(in, 'n', len);
	memcpy(in + len, "\r\n", 2);
	m = read_ok(in, len + 2, &o);
	ck_assert_uint_eq(msg_size(m), len + 2);
	ck_assert_uint_eq(msg_longest_line(m), len);
	msg_free(m);
	free(in);
}
END_TEST

/* msg_start_read on in, written by a child byte by byte (step 1) or in
 * one go: whether a header block opens it. */
static bool
start_header(const char *in, size_t step, struct msg_start *st)
{
	pid_t pid;
	int fd = writer_start(in, strlen(in), step, &pid);
	struct err e;

	err_clear(&e);
	ck_assert_msg(msg_start_read(st, fd, &e) == 0, "%s", e.msg);
	close(fd);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_uint_le(st->len, strlen(in));
	/* after a dropped mbox separator, the bytes that follow it */
	if (strncmp(st->buf, in, st->len) != 0 && strncmp(in, "From ", 5) == 0)
		in = strchr(in, '\n') + 1;
	ck_assert_int_eq(memcmp(st->buf, in, st->len), 0);
	return st->header;
}

/* The first line decides, however it arrives: a field name and its
 * colon (WSP before the colon allowed, RFC 5322 section 4.5) is a header
 * block; an empty line, a leading space, text, a colon first, or a name
 * run past 998 octets is not. */
START_TEST(test_start)
{
	static const struct {
		const char *in;
		bool	 header;
	} t[] = {
		{ "Subject: hi\n\nbody\n", true },
		{ "X-A:\n", true },
		{ "From : obs\n", true },
		{ "Subject", false },		/* EOF before a colon */
		{ "", false },
		{ "\nSubject: body\n", false },
		{ " Subject: x\n", false },
		{ ":x\n", false },
		{ "Dear Bob:\n", false },
		{ "hello\n", false },
		/* an mbox separator before a header block is dropped; before
		 * anything else it is the text it seems to be */
		{ "From 1f2e Mon Sep 17 00:00:00 2001\nFrom: a@b\n\nx\n", true },
		{ "From a@b Mon Nov 30 02:00:00 2026\r\nSubject: s\r\n", true },
		{ "From now on, backups run at 3am.\nThanks\n", false },
		{ "From x\n", false },
		{ "From x\n\nSubject: body\n", false },
		{ "From", false },
		{ "Fro", false },
		{ "a b", false },	/* ends short of five bytes */
	};
	struct msg_start st;
	char *name = malloc(1200);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (size_t step = 0; step <= 1; step++)
			ck_assert_msg(start_header(t[i].in, step, &st) ==
			    t[i].header, "\"%s\" step %zu", t[i].in, step);
	/* 998 name octets then a colon is a field; 999 is not, and the
	 * look-ahead stops within its buffer */
	ck_assert_ptr_nonnull(name);
	memset(name, 'n', 1199);
	strcpy(name + 998, ": v\n");
	ck_assert(start_header(name, 0, &st));
	memset(name, 'n', 1199);
	name[1199] = '\0';
	ck_assert(!start_header(name, 0, &st));
	ck_assert_uint_le(st.len, MSG_START_MAX);
	/* a separator line must fit a line (1000 octets with CR LF) */
	memcpy(name, "From ", 5);
	memset(name + 5, 'x', 1000 - 5);
	strcpy(name + 1000, "\nSubject: s\n");
	ck_assert(!start_header(name, 0, &st));
	strcpy(name + 998, "\nSubject: s\n");
	ck_assert(start_header(name, 0, &st));
	free(name);
}
END_TEST

/* What the look-ahead consumed from a pipe is replayed by msg_read
 * (msg_opts.pre); a regular file is put back instead, and nothing needs
 * replaying. */
START_TEST(test_start_replay)
{
	static const char in[] = "Subject: s\nBcc: x@y\n\nbody\n";
	static const char want[] = "Subject: s\r\n\r\nbody\r\n";
	struct msg_opts o = { .read_rcpts = false };
	struct msg_start st;
	char path[] = "/tmp/check_msg.XXXXXX";
	struct msg *m;
	struct err e;
	pid_t pid;
	int fd;

	err_clear(&e);
	fd = writer_start(in, sizeof(in) - 1, 3, &pid);
	ck_assert_int_eq(msg_start_read(&st, fd, &e), 0);
	ck_assert(st.header);
	ck_assert_uint_gt(st.len, 0);
	o.pre = st.buf;
	o.prelen = st.len;
	ck_assert_msg(msg_read(&m, fd, &o, &e) == 0, "%s", e.msg);
	close(fd);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	assert_msg(m, want, sizeof(want) - 1, "", "replayed");
	msg_free(m);

	ck_assert_int_ge(fd = mkstemp(path), 0);
	unlink(path);
	write_all(fd, in, sizeof(in) - 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(msg_start_read(&st, fd, &e), 0);
	ck_assert(st.header);
	ck_assert_uint_eq(st.len, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	o.pre = NULL;
	o.prelen = 0;
	ck_assert_msg(msg_read(&m, fd, &o, &e) == 0, "%s", e.msg);
	close(fd);
	assert_msg(m, want, sizeof(want) - 1, "", "put back");
	msg_free(m);

	/* a file with an mbox separator: put back just after it */
	strcpy(path, "/tmp/check_msg.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	unlink(path);
	write_all(fd, "From x Mon Nov 30 02:00:00 2026\n", 32);
	write_all(fd, in, sizeof(in) - 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(msg_start_read(&st, fd, &e), 0);
	ck_assert(st.header);
	ck_assert_uint_eq(st.len, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 32);
	ck_assert_msg(msg_read(&m, fd, &o, &e) == 0, "%s", e.msg);
	close(fd);
	assert_msg(m, want, sizeof(want) - 1, "", "after the separator");
	msg_free(m);
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *core = tcase_create("core");
	TCase *rcpt = tcase_create("rcpt");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_no_header);
	tcase_add_test(core, test_header_body);
	tcase_add_test(core, test_bcc_removed);
	tcase_add_test(core, test_line_ends);
	tcase_add_test(core, test_nul_bytes);
	tcase_add_test(core, test_header_end_other);
	tcase_add_test(core, test_empty);
	tcase_add_test(core, test_8bit);
	tcase_add_test(core, test_read_error);
	tcase_add_test(core, test_start);
	tcase_add_test(core, test_start_replay);
	tcase_set_timeout(core, 120);
	suite_add_tcase(s, core);
	tcase_add_test(rcpt, test_read_rcpts);
	tcase_add_test(rcpt, test_rcpt_dedup);
	tcase_add_test(rcpt, test_resent);
	tcase_add_test(rcpt, test_rcpt_injection);
	tcase_set_timeout(rcpt, 120);
	suite_add_tcase(s, rcpt);
	tcase_add_test(limits, test_longest_line);
	tcase_add_test(limits, test_file_spool);
	tcase_add_test(limits, test_spool_dir_error);
	tcase_add_test(limits, test_header_cap);
	tcase_add_test(limits, test_long_first_line);
	tcase_add_test(limits, test_header_endless);
	tcase_add_test(limits, test_field_name_max);
	tcase_set_timeout(limits, 120);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	/* A writer child whose reader gave up must not kill the suite. */
	signal(SIGPIPE, SIG_IGN);
	return ck_run(msg_suite());
}
