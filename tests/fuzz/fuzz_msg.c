/*
 * The message reader (msg.c): header scan, Bcc removal, -t recipients,
 * line-ending normalisation and the spool, fed through a memory file as
 * standard input would be.  The first input byte chooses -t.
 * Invariants: what the spool gives back has msg_size octets, CR LF line
 * endings only, ends with CR LF when not empty, and reads the same twice;
 * every -t recipient passes addr_check; failures are ERR_DATA or ERR_OS.
 */
#include <config.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "fuzz.h"
#include "msg.h"

/* Reads the whole spool; returns its length, or (size_t)-1. */
static size_t
fuzz_spool(struct msg *m, char **out)
{
	size_t len = 0, cap = msg_size(m) + 1;
	struct err e;
	ssize_t r;

	err_clear(&e);
	*out = malloc(cap);
	FUZZ_CHECK(*out != NULL);
	FUZZ_CHECK(msg_rewind(m, &e) == 0);
	while ((r = msg_read_chunk(m, *out + len, cap - len, &e)) > 0)
		len += (size_t)r;
	FUZZ_CHECK(r == 0);
	return len;
}

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_opts mo;
	struct msg *m = NULL;
	struct err e;
	int fd;

	if (size == 0)
		return 0;
	memset(&mo, 0, sizeof(mo));
	mo.read_rcpts = data[0] & 1;
	if ((fd = memfd_create("fuzz_msg", 0)) < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	err_clear(&e);
	if (msg_read(&m, fd, &mo, &e) == 0)
		fuzz_msg_check(m);
	else
		FUZZ_CHECK((e.cls == ERR_DATA || e.cls == ERR_OS) &&
		    e.msg[0] != '\0');
	msg_free(m);
	close(fd);
	return 0;
}
