/*
 * The message reader (msg.c): header scan, Bcc removal, -t recipients,
 * line-ending normalisation and the spool, fed through a memory file as
 * standard input would be.  The first input byte chooses -t (bit 0) and
 * where the rest is cut into bytes read ahead (msg_opts.pre, as
 * msg_start leaves them) and bytes read from the file.
 * Invariants: what the spool gives back has msg_size octets, CR LF line
 * endings only, ends with CR LF when not empty, and reads the same twice;
 * every -t recipient passes addr_check; failures are ERR_DATA or ERR_OS;
 * the cut changes nothing; msg_start puts a file back where it began or
 * just after a dropped mbox separator.
 */
#include <config.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "fuzzmsg.h"
#include "msg.h"

static void
fuzz_msg_check(struct msg *m)
{
	char *a, *b;
	size_t la = fuzz_spool(m, &a), lb = fuzz_spool(m, &b);
	struct err e;

	FUZZ_CHECK(la == msg_size(m) && la == lb && memcmp(a, b, la) == 0);
	for (size_t i = 0; i < la; i++) {
		if (a[i] == '\r')
			FUZZ_CHECK(i + 1 < la && a[i + 1] == '\n');
		if (a[i] == '\n')
			FUZZ_CHECK(i > 0 && a[i - 1] == '\r');
	}
	FUZZ_CHECK(la == 0 || (la >= 2 && a[la - 1] == '\n'));
	for (size_t i = 0; i < msg_rcpt_count(m); i++) {
		err_clear(&e);
		FUZZ_CHECK(addr_check(msg_rcpt(m, i), 0, &e) == 0);
	}
	FUZZ_CHECK(msg_rcpt(m, msg_rcpt_count(m)) == NULL);
	free(a);
	free(b);
}

/* Reads p[0..n): p[0..cut) as bytes read ahead, the rest from a file.
 * Returns msg_read's result; -2 when the file could not be made. */
static int
fuzz_read(struct msg **m, const uint8_t *p, size_t n, size_t cut,
    bool rcpts, struct err *e)
{
	struct msg_opts mo;
	int fd, rc;

	memset(&mo, 0, sizeof(mo));
	mo.read_rcpts = rcpts;
	mo.pre = (const char *)p;
	mo.prelen = cut;
	*m = NULL;
	if ((fd = memfd_create("fuzz_msg", 0)) < 0)
		return -2;
	if (write(fd, p + cut, n - cut) != (ssize_t)(n - cut) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -2;
	}
	err_clear(e);
	rc = msg_read(m, fd, &mo, e);
	close(fd);
	return rc;
}

/* msg_start on a file: it is put back at its start, or just after an
 * mbox separator line it dropped before a header block. */
static void
fuzz_start(const uint8_t *p, size_t n)
{
	struct msg_start st;
	struct err e;
	off_t off;
	int fd;

	if ((fd = memfd_create("fuzz_start", 0)) < 0)
		return;
	if (write(fd, p, n) == (ssize_t)n && lseek(fd, 0, SEEK_SET) == 0) {
		err_clear(&e);
		FUZZ_CHECK(msg_start_read(&st, fd, &e) == 0 && st.len == 0);
		off = lseek(fd, 0, SEEK_CUR);
		FUZZ_CHECK(off == 0 || (st.header && n >= 5 &&
		    memcmp(p, "From ", 5) == 0 && p[off - 1] == '\n' &&
		    memchr(p, '\n', (size_t)off - 1) == NULL));
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg *m = NULL, *cutm = NULL;
	struct err e, cute;
	size_t cut;
	int rc, cutrc;

	if (size == 0)
		return 0;
	if ((rc = fuzz_read(&m, data + 1, size - 1, 0, data[0] & 1, &e)) ==
	    -2)
		return 0;
	if (rc == 0)
		fuzz_msg_check(m);
	else
		FUZZ_CHECK((e.cls == ERR_DATA || e.cls == ERR_OS) &&
		    e.msg[0] != '\0');
	cut = (size_t)(data[0] >> 1) * 8;
	if (cut > size - 1)
		cut = size - 1;
	cutrc = fuzz_read(&cutm, data + 1, size - 1, cut, data[0] & 1, &cute);
	if (cutrc != -2) {
		FUZZ_CHECK(cutrc == rc);
		if (rc == 0) {
			char *a, *b;
			size_t la = fuzz_spool(m, &a), lb = fuzz_spool(cutm, &b);

			FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0);
			FUZZ_CHECK(msg_rcpt_count(m) == msg_rcpt_count(cutm));
			free(a);
			free(b);
		}
	}
	msg_free(m);
	msg_free(cutm);
	fuzz_start(data + 1, size - 1);
	return 0;
}
