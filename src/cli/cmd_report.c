/* wats validate, wats fmt: the report model's parser, validator and writer on files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_io.h"
#include "wats/wats.h"

/* A finding's path; a document-level finding has none. */
static const char *issue_path(const wats_issue *is)
{
	return is->path && *is->path ? is->path : "(report)";
}

/* Validate one file: WATS_EXIT_OK, _NEGATIVE (invalid), _INPUT or _INTERNAL. */
static int validate_one(const char *path)
{
	const char *name = cli_display_name(path);
	wats_report *r;
	int rc = cli_load_report(&r, path);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		return wats_cli_exit_for(rc) == WATS_EXIT_INTERNAL ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
	}
	wats_validation *v = NULL;
	rc = wats_report_validate(r, &v);
	int ret = WATS_EXIT_OK;
	if (rc == WATS_ENOMEM || (rc < 0 && rc != WATS_EVALIDATION)) {
		wats_cli_print_error(name);
		ret = WATS_EXIT_INTERNAL;
	} else {
		size_t n = wats_validation_count(v);
		for (size_t i = 0; i < n; i++) {
			const wats_issue *is = wats_validation_get(v, i);
			printf("%s: %s: %s: %s\n", name,
			       is->severity == WATS_SEVERITY_ERROR ? "error" : "warning",
			       issue_path(is), is->message ? is->message : "");
		}
		/* Warnings alone leave a report valid; say so explicitly. */
		if (rc == WATS_EVALIDATION || wats_validation_errors(v) > 0)
			ret = WATS_EXIT_NEGATIVE;
		else
			printf("%s: ok\n", name);
	}
	wats_validation_free(v);
	wats_report_free(r);
	return ret;
}

int wats_cmd_validate(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: wats validate FILE...\n");
		return WATS_EXIT_USAGE;
	}
	/* Worst outcome wins: internal > unreadable input > invalid > ok. */
	int worst = WATS_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		int rc = validate_one(argv[i]);
		if (rc == WATS_EXIT_INTERNAL || (rc == WATS_EXIT_INPUT && worst != WATS_EXIT_INTERNAL) ||
		    (rc == WATS_EXIT_NEGATIVE && worst == WATS_EXIT_OK))
			worst = rc;
	}
	fflush(stdout);
	return worst;
}

static int fmt_usage(void)
{
	fprintf(stderr, "usage: wats fmt [--pretty] [-o OUT] FILE   (FILE may be - for stdin)\n");
	return WATS_EXIT_USAGE;
}

int wats_cmd_fmt(int argc, char **argv)
{
	unsigned int flags = 0;
	const char *out_path = NULL, *in_path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--pretty")) {
			flags |= WATS_WRITE_PRETTY;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i >= argc)
				return fmt_usage();
			out_path = argv[i];
		} else if (!strncmp(a, "--output=", 9)) {
			out_path = a + 9;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "wats fmt: unknown option '%s'\n", a);
			return fmt_usage();
		} else if (in_path) {
			fprintf(stderr, "wats fmt: one input file at a time\n");
			return fmt_usage();
		} else {
			in_path = a;
		}
	}
	if (!in_path)
		return fmt_usage();

	wats_report *r;
	int rc = cli_load_report(&r, in_path);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		return rc == WATS_ENOMEM ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
	}
	int ret = WATS_EXIT_OK;
	if (out_path && strcmp(out_path, "-")) {
		/* Atomic: a reader of OUT sees the old file or the whole new one, never half. */
		rc = wats_report_write_file(r, out_path, flags);
		if (rc < 0) {
			wats_cli_print_error(NULL); /* the message names the file */
			ret = rc == WATS_ENOMEM ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
		}
	} else {
		char *text;
		size_t len;
		rc = wats_report_write(&text, &len, r, flags);
		if (rc < 0) {
			wats_cli_print_error(cli_display_name(in_path));
			ret = rc == WATS_ENOMEM ? WATS_EXIT_INTERNAL : WATS_EXIT_INPUT;
		} else {
			/* Exactly the writer's bytes: a compact export is reproduced byte for byte. */
			if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
				fprintf(stderr, "wats fmt: cannot write to standard output\n");
				ret = WATS_EXIT_INPUT;
			}
			wats_free(text);
		}
	}
	wats_report_free(r);
	return ret;
}
