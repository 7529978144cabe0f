/*
 * Internationalised envelope addresses.
 *
 *   RFC 5890, 5891  IDNA2008: U-labels and A-labels
 *   RFC 6531        SMTPUTF8: UTF-8 addresses on the wire (3.3, 3.4)
 *   UTS #46         the mapping IDNA2008 leaves to applications, as
 *                   browsers and libidn2 apply it (non-transitional)
 *
 * The conversion is libidn2's; this file only finds the domain and says
 * what went wrong in the words of the address.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "idn.h"

/* Non-transitional processing keeps "ß" and ZWJ distinct (what IDNA2008
 * registries and today's browsers do); STD3 rules keep the result a host
 * name: letters, digits and hyphens only. */
#define IDN_FLAGS	(IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES)

bool
idn_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* The domain of an address, or NULL for a bare name: a quoted local part
 * may hold '@'. */
static const char *
idn_domain(const char *a)
{
	const char *p = a;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p == '"')
			p++;
	}
	p = strchr(p, '@');
	return p != NULL ? p + 1 : NULL;
}

/* The A-label form of a domain, or -1 with libidn2's reason. */
static int
idn_domain_ascii(const char *addr, const char *dom, char **out,
    struct err *e)
{
	int rc = idn2_to_ascii_8z(dom, out, IDN_FLAGS);

	if (rc == IDN2_MALLOC)
		return err_set(e, ERR_OS, STEP_MAIL, "out of memory");
	if (rc != IDN2_OK) {
		*out = NULL;
		err_set(e, ERR_DATA, STEP_MAIL, "<%.200s>: the domain is not "
		    "a valid internationalised domain name: %s", addr,
		    idn2_strerror(rc));
		err_hint(e, "check the spelling of the domain");
		return -1;
	}
	return 0;
}

int
idn_addr_check(const char *addr, struct err *e)
{
	const char *dom = idn_domain(addr);
	char *ascii;

	if (dom == NULL || *dom == '[' || idn_is_ascii(dom))
		return 0;
	if (idn_domain_ascii(addr, dom, &ascii, e) < 0)
		return -1;
	idn2_free(ascii);
	return 0;
}

int
idn_addr_ascii(const char *addr, char **out, struct err *e)
{
	const char *dom = idn_domain(addr);
	size_t local = dom != NULL ? (size_t)(dom - addr) : strlen(addr);
	char *ascii;

	*out = NULL;
	for (size_t i = 0; i < local; i++)
		if ((unsigned char)addr[i] >= 0x80) {
			err_set(e, ERR_DATA, STEP_MAIL, "<%.200s>: a local part "
			    "that is not ASCII needs a server that offers "
			    "SMTPUTF8 (RFC 6531), and this one does not", addr);
			err_hint(e, "use the ASCII address of this mailbox, "
			    "or a server that offers SMTPUTF8");
			return -1;
		}
	if (dom == NULL || *dom == '[' || idn_is_ascii(dom))
		ascii = NULL;
	else if (idn_domain_ascii(addr, dom, &ascii, e) < 0)
		return -1;
	*out = malloc(local + (ascii ? strlen(ascii) : strlen(addr + local)) +
	    1);
	if (*out == NULL) {
		idn2_free(ascii);
		return err_set(e, ERR_OS, STEP_MAIL, "out of memory");
	}
	memcpy(*out, addr, local);
	strcpy(*out + local, ascii ? ascii : addr + local);
	idn2_free(ascii);
	return 0;
}
