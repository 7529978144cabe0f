/*
 * The 8-bit and long-line conversion (mime8.c): its two passes over any
 * MIME structure a message may claim.  The first input byte says whether
 * 8-bit bodies may stay (bit 0); the rest is the message, read by msg.
 * Invariants: a conversion that succeeds leaves no line over 998 octets,
 * no 8-bit byte unless allowed, CR LF line ends only, and nothing more to
 * convert; a refusal is ERR_DATA with a message, and leaves the spool as
 * it was, byte for byte.
 */
#include <config.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzmsg.h"
#include "mime8.h"
#include "msg.h"

static void
fuzz_converted(struct msg *m, bool eightbit)
{
	char *a;
	size_t n = fuzz_spool(m, &a);

	FUZZ_CHECK(msg_longest_line(m) <= 998);
	FUZZ_CHECK(eightbit || !msg_has_8bit(m));
	FUZZ_CHECK(!mime8_needed(m, eightbit));
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '\r')
			FUZZ_CHECK(i + 1 < n && a[i + 1] == '\n');
		if (a[i] == '\n')
			FUZZ_CHECK(i > 0 && a[i - 1] == '\r');
	}
	free(a);
}

static void
fuzz_run(struct msg *m, bool eightbit)
{
	struct mime8_conf c = { eightbit, NULL };
	char *before, *after;
	size_t lb, la;
	struct err e;

	if (!mime8_needed(m, eightbit))
		return;
	lb = fuzz_spool(m, &before);
	err_clear(&e);
	if (msg_filter(m, mime8_filter, &c, &e) == 0) {
		fuzz_converted(m, eightbit);
	} else {
		FUZZ_CHECK(e.cls == ERR_DATA && e.msg[0] != '\0');
		la = fuzz_spool(m, &after);
		FUZZ_CHECK(la == lb && memcmp(before, after, la) == 0);
		free(after);
	}
	free(before);
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
	if ((fd = memfd_create("fuzz_mime8", 0)) < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	err_clear(&e);
	if (msg_read(&m, fd, &mo, &e) == 0)
		fuzz_run(m, data[0] & 1);
	msg_free(m);
	close(fd);
	return 0;
}
