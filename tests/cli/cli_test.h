/* Helpers for the CLI tests: run `wats` with arguments, write small inputs. */
#ifndef WATS_CLI_TEST_H
#define WATS_CLI_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Run `wats ARGS... NULL`; stdout and stderr captured into *out / *err (may be NULL). */
static inline int cli(char **out, char **err, ...)
{
	char *argv[32];
	int n = 0;
	argv[n++] = (char *)tu_cli();
	va_list ap;
	va_start(ap, err);
	char *a;
	while ((a = va_arg(ap, char *)) != NULL && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	char *o = NULL, *e = NULL;
	int rc = tu_run(argv, &o, &e);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

/* Run a shell command line (for stdin redirection); output captured like cli(). */
static inline int sh(char **out, char **err, const char *cmdline)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmdline, NULL };
	return tu_run(argv, out, err);
}

/* dir/name, in a static buffer per slot (0..3) so a few can be alive at once. */
static inline const char *in_dir(const char *dir, const char *name, int slot)
{
	static char buf[4][4096];
	snprintf(buf[slot & 3], sizeof(buf[0]), "%s/%s", dir, name);
	return buf[slot & 3];
}

/* Write text to dir/name and return the path (slot as in in_dir). */
static inline const char *put(const char *dir, const char *name, const char *text, int slot)
{
	const char *p = in_dir(dir, name, slot);
	tu_write(p, text, strlen(text));
	return p;
}

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" in:\n%s", (needle), h_ ? h_ : "(null)");    \
	} while (0)

#define assert_not_contains(hay, needle)                                                      \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (h_ && strstr(h_, (needle)))                                               \
			fail_msg("did not expect \"%s\" in:\n%s", (needle), h_);              \
	} while (0)

/* A small valid UUT: a root sequence with a passed and a failed numeric step. */
#define SMALL_UUT                                                                                   \
	"{\"type\":\"T\",\"id\":\"0b7d4c38-2c3e-4a8e-9d41-7f3e0c2a5b11\",\"pn\":\"PN-1\","             \
	"\"sn\":\"SN-42\",\"rev\":\"A\",\"processCode\":10,\"processName\":\"SW Debug\","             \
	"\"result\":\"F\",\"machineName\":\"ST-7\",\"location\":\"Lab\",\"purpose\":\"Dev\","          \
	"\"start\":\"2026-01-30T10:49:36.919+01:00\",\"root\":{\"id\":1,\"group\":\"M\","           \
	"\"stepType\":\"SequenceCall\",\"name\":\"MainSequence Callback\",\"status\":\"F\","         \
	"\"steps\":[{\"id\":2,\"group\":\"M\",\"stepType\":\"ET_NLT\",\"name\":\"Vcc\","              \
	"\"status\":\"P\",\"numericMeas\":[{\"compOp\":\"GELE\",\"name\":null,\"status\":\"P\","      \
	"\"unit\":\"V\",\"value\":3.3,\"lowLimit\":3.0,\"highLimit\":3.6}]},"                       \
	"{\"id\":3,\"group\":\"M\",\"stepType\":\"SequenceCall\",\"name\":\"Power\",\"status\":\"F\"," \
	"\"steps\":[{\"id\":4,\"group\":\"M\",\"stepType\":\"ET_NLT\",\"name\":\"Current\","          \
	"\"status\":\"F\",\"numericMeas\":[{\"compOp\":\"LT\",\"name\":null,\"status\":\"F\","        \
	"\"unit\":\"A\",\"value\":1.5,\"lowLimit\":1.0}]}]}]},\"miscInfos\":[],\"subUnits\":[]}"

#endif
