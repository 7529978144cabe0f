/*
 * The configuration parser (conf.c) over a memory stream (fmemopen), as a
 * file would be read.  Invariants: a failure is ERR_CONFIG naming the
 * line ("fuzz:N: ..."), or ERR_OS; after a success every value of the
 * defaults and of the account chosen for a sender is free of control
 * characters, so nothing from a configuration file can add a line to the
 * SMTP dialogue or to a log.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

static void
fuzz_conf_values(const struct conf_account *a)
{
	for (int k = 0; k < CONF_NKEYS; k++) {
		const char *v = conf_get(a, (enum conf_key)k);

		for (; v != NULL && *v != '\0'; v++)
			FUZZ_CHECK(*v == '\t' || ((unsigned char)*v >= 0x20 &&
			    *v != 0x7f));
		(void)conf_is_on(a, (enum conf_key)k);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	struct err e;
	FILE *fp;
	const struct conf_account *a;

	if (size == 0 || (c = conf_new()) == NULL)
		return 0;
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL) {
		conf_free(c);
		return 0;
	}
	err_clear(&e);
	if (conf_parse(c, fp, "fuzz", &e) < 0) {
		FUZZ_CHECK(e.cls == ERR_OS || (e.cls == ERR_CONFIG &&
		    strncmp(e.msg, "fuzz:", 5) == 0));
	} else {
		fuzz_conf_values(conf_defaults(c));
		err_clear(&e);
		if ((a = conf_select(c, NULL, "a@example.org", &e)) != NULL)
			fuzz_conf_values(a);
		if ((a = conf_find(c, "default")) != NULL)
			fuzz_conf_values(a);
	}
	fclose(fp);
	conf_free(c);
	return 0;
}
