#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "aliases.h"

struct alias {
	char	*name;
	char	**vals;
	size_t	 nvals;
	unsigned line;
};

struct aliases {
	char	*file;
	struct alias *a;
	size_t	 n, cap;
};

/* One logical entry being read: its first line and its text so far. */
struct alias_reader {
	struct aliases *al;
	char	*text;
	size_t	 len, cap;
	unsigned line;		/* of the entry's first line */
	unsigned cur;		/* line being read */
};

static int
alias_fail(const char *file, unsigned line, struct err *e, const char *what,
    const char *arg)
{
	return err_set(e, ERR_CONFIG, STEP_NONE, "%s:%u: %s%s%s%s", file, line,
	    what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
}

static bool
alias_is_local_delivery(const char *v)
{
	return v[0] == '|' || v[0] == '/' ||
	    strncasecmp(v, ":include:", 9) == 0;
}

static const struct alias *
alias_find(const struct aliases *al, const char *name)
{
	if (al == NULL)
		return NULL;
	for (size_t i = 0; i < al->n; i++)
		if (strcasecmp(al->a[i].name, name) == 0)
			return &al->a[i];
	return NULL;
}

static int
alias_add_value(struct alias *a, const char *v, size_t n, struct err *e)
{
	char **vals = realloc(a->vals, (a->nvals + 1) * sizeof(*vals));

	if (vals == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	a->vals = vals;
	if ((a->vals[a->nvals] = strndup(v, n)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	a->nvals++;
	return 0;
}

/* Splits "v1, v2, ..." at commas outside double quotes. */
static int
alias_values(const struct aliases *al, struct alias *a, const char *s,
    struct err *e)
{
	while (*s != '\0') {
		bool q = false;
		size_t n = 0;
		struct err scratch;

		s += strspn(s, " \t");
		while (s[n] != '\0' && (q || s[n] != ',')) {
			if (s[n] == '"')
				q = !q;
			n++;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n > 0 && alias_add_value(a, s, n, e) < 0)
			return -1;
		if (n > 0 && !alias_is_local_delivery(a->vals[a->nvals - 1]) &&
		    addr_check(a->vals[a->nvals - 1], 0, &scratch) < 0)
			return alias_fail(al->file, a->line, e,
			    "not an address:", a->vals[a->nvals - 1]);
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return 0;
}

static int
alias_entry(struct aliases *al, char *text, unsigned line, struct err *e)
{
	char *colon = strchr(text, ':'), *name = text;
	struct alias *a;
	size_t n;

	if (colon == NULL)
		return alias_fail(al->file, line, e, "expected \"name: "
		    "address, ...\"", NULL);
	*colon = '\0';
	n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		name[--n] = '\0';
	if (n == 0 || strpbrk(name, " \t@\",") != NULL)
		return alias_fail(al->file, line, e, "not an alias name:",
		    name);
	if ((a = (struct alias *)alias_find(al, name)) != NULL)
		return alias_fail(al->file, line, e, "listed twice:", name);
	if (al->n == al->cap) {
		size_t cap = al->cap ? 2 * al->cap : 16;
		struct alias *na = realloc(al->a, cap * sizeof(*na));

		if (na == NULL)
			return err_set(e, ERR_OS, STEP_NONE, "out of memory");
		al->a = na;
		al->cap = cap;
	}
	a = &al->a[al->n];
	memset(a, 0, sizeof(*a));
	a->line = line;
	if ((a->name = strdup(name)) == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	al->n++;
	if (alias_values(al, a, colon + 1, e) < 0)
		return -1;
	if (a->nvals == 0)
		return alias_fail(al->file, line, e, "no address for", name);
	return 0;
}

/* Ends the entry being collected, if any. */
static int
alias_flush(struct alias_reader *r, struct err *e)
{
	int rc;

	if (r->len == 0)
		return 0;
	r->text[r->len] = '\0';
	rc = alias_entry(r->al, r->text, r->line, e);
	r->len = 0;
	return rc;
}

static int
alias_append(struct alias_reader *r, const char *s, size_t n, struct err *e)
{
	if (r->len + n + 2 > r->cap) {
		size_t cap = (r->len + n + 2) * 2;
		char *t = realloc(r->text, cap);

		if (t == NULL)
			return err_set(e, ERR_OS, STEP_NONE, "out of memory");
		r->text = t;
		r->cap = cap;
	}
	if (r->len > 0)
		r->text[r->len++] = ' ';
	memcpy(r->text + r->len, s, n);
	r->len += n;
	return 0;
}

static int
alias_line(struct alias_reader *r, char *s, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return alias_fail(r->al->file, r->cur, e, "a control "
			    "character is not allowed", NULL);
	if (s[strspn(s, " \t")] == '\0' || s[0] == '#')
		return 0;
	if (s[0] == ' ' || s[0] == '\t') {
		if (r->len == 0)
			return alias_fail(r->al->file, r->cur, e, "a "
			    "continuation line without an entry", NULL);
		return alias_append(r, s, n, e);
	}
	if (alias_flush(r, e) < 0)
		return -1;
	r->line = r->cur;
	return alias_append(r, s, n, e);
}

static int
alias_read(struct alias_reader *r, FILE *fp, struct err *e)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&buf, &cap, fp)) >= 0) {
		r->cur++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (memchr(buf, '\0', (size_t)n) != NULL)
			rc = alias_fail(r->al->file, r->cur, e, "a NUL byte "
			    "is not allowed", NULL);
		else
			rc = alias_line(r, buf, (size_t)n, e);
	}
	free(buf);
	if (rc == 0 && ferror(fp))
		rc = err_set(e, ERR_CONFIG, STEP_NONE, "%s: read error",
		    r->al->file);
	return rc == 0 ? alias_flush(r, e) : rc;
}

int
aliases_parse(struct aliases **out, FILE *fp, const char *name,
    struct err *e)
{
	struct alias_reader r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if ((r.al = calloc(1, sizeof(*r.al))) == NULL ||
	    (r.al->file = strdup(name)) == NULL) {
		free(r.al);
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	}
	rc = alias_read(&r, fp, e);
	free(r.text);
	if (rc < 0) {
		aliases_free(r.al);
		return -1;
	}
	*out = r.al;
	return 0;
}

int
aliases_load(struct aliases **out, const char *path, struct err *e)
{
	FILE *fp = fopen(path, "re");
	int rc;

	*out = NULL;
	if (fp == NULL)
		return err_set(e, ERR_CONFIG, STEP_NONE, "cannot read aliases "
		    "file %s: %s", path, strerror(errno));
	rc = aliases_parse(out, fp, path, e);
	fclose(fp);
	return rc;
}

void
aliases_free(struct aliases *al)
{
	if (al == NULL)
		return;
	for (size_t i = 0; i < al->n; i++) {
		aliases_list_free(al->a[i].vals, al->a[i].nvals);
		free(al->a[i].name);
	}
	free(al->a);
	free(al->file);
	free(al);
}

void
aliases_list_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *
aliases_qualify(const char *addr, const char *domain)
{
	size_t n;
	char *s;

	if (domain == NULL || *domain == '\0' || strchr(addr, '@') != NULL ||
	    *addr == '\0')
		return strdup(addr);
	n = strlen(addr) + strlen(domain) + 2;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s@%s", addr, domain);
	return s;
}

/* The state of one aliases_resolve: the output so far and the chain of
 * names being expanded. */
struct resolver {
	const struct aliases *al;
	const char *domain;
	char	**out;
	size_t	 n, cap;
	const char *chain[ALIASES_DEPTH_MAX];
	unsigned depth;
};

/* RFC 5321 section 2.4: local parts are case-sensitive, domains not. */
static bool
alias_same_addr(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t la = da ? (size_t)(da - a) : strlen(a);
	size_t lb = db ? (size_t)(db - b) : strlen(b);

	if (la != lb || strncmp(a, b, la) != 0 || (da == NULL) != (db == NULL))
		return false;
	return da == NULL || strcasecmp(da, db) == 0;
}

static int
alias_emit(struct resolver *r, const char *addr, struct err *e)
{
	char *q = aliases_qualify(addr, r->domain);

	if (q == NULL)
		return err_set(e, ERR_OS, STEP_NONE, "out of memory");
	for (size_t i = 0; i < r->n; i++)
		if (alias_same_addr(r->out[i], q)) {
			free(q);
			return 0;
		}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		char **o = realloc(r->out, cap * sizeof(*o));

		if (o == NULL) {
			free(q);
			return err_set(e, ERR_OS, STEP_NONE, "out of memory");
		}
		r->out = o;
		r->cap = cap;
	}
	r->out[r->n++] = q;
	return 0;
}

static bool
alias_in_chain(const struct resolver *r, const char *name)
{
	for (unsigned i = 0; i < r->depth; i++)
		if (strcasecmp(r->chain[i], name) == 0)
			return true;
	return false;
}

/* A local name found nowhere goes to "default"; the chain rule ends what
 * "default" produces, since its own values are then in the chain. */
static int
alias_expand(struct resolver *r, const char *addr, struct err *e)
{
	const struct alias *a;

	if (strchr(addr, '@') != NULL || alias_in_chain(r, addr))
		return alias_emit(r, addr, e);
	if ((a = alias_find(r->al, addr)) == NULL)
		a = alias_find(r->al, "default");
	if (a == NULL)
		return alias_emit(r, addr, e);
	if (r->depth == ALIASES_DEPTH_MAX)
		return alias_fail(r->al->file, a->line, e, "aliases nest "
		    "deeper than 16 levels at", a->name);
	r->chain[r->depth++] = addr;
	for (size_t i = 0; i < a->nvals; i++) {
		if (alias_is_local_delivery(a->vals[i]))
			return alias_fail(r->al->file, a->line, e, "tlsmail "
			    "relays to addresses only, it cannot deliver to",
			    a->vals[i]);
		if (alias_expand(r, a->vals[i], e) < 0)
			return -1;
	}
	r->depth--;
	return 0;
}

int
aliases_resolve(const struct aliases *al, const char *domain,
    const char *const *in, size_t n, char ***out, size_t *nout,
    struct err *e)
{
	struct resolver r;

	memset(&r, 0, sizeof(r));
	r.al = al;
	r.domain = domain;
	for (size_t i = 0; i < n; i++)
		if (alias_expand(&r, in[i], e) < 0) {
			aliases_list_free(r.out, r.n);
			*out = NULL;
			*nout = 0;
			return -1;
		}
	*out = r.out;
	*nout = r.n;
	return 0;
}
