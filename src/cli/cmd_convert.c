/*
 * wats convert FILE [--from auto|NAME] [--to wsjf|wsxf] [-o OUT] [--param KEY=VALUE]...
 *                   [--plugins DIR] [--command NAME=PROGRAM] [--pretty] [--log] [--log-json]
 * wats detect FILE...
 * wats convert --list
 *
 * Converts test-station files into WSJF (or WSXF). Reports are written as they arrive: one
 * report is written as itself, several as a JSON array (WSJF) or in one <Reports> (WSXF).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_io.h"
#include "wats/wats.h"

typedef struct out_state {
	FILE *f;
	int wsxf;
	unsigned int flags;
	size_t n;
	char *held;   /* WSJF: the first report's text, until we know whether an array is needed */
	size_t held_len;
	int failed;
} out_state;

static int put(out_state *o, const char *s, size_t len)
{
	if (fwrite(s, 1, len, o->f) != len) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

static int on_report(wats_report *r, void *payload)
{
	out_state *o = payload;
	char *text = NULL;
	size_t len = 0;
	int rc;
	if (o->wsxf) {
		const wats_report *one = r;
		rc = wats_reports_to_wsxf(&text, &len, &one, 1,
					  WATS_WSXF_NO_EPILOG | (o->n ? WATS_WSXF_NO_PROLOG : 0), NULL);
	} else {
		rc = wats_report_write(&text, &len, r, o->flags);
	}
	wats_report_free(r);
	if (rc < 0)
		return rc;
	if (o->wsxf) {
		put(o, text, len);
		wats_free(text);
	} else if (o->n == 0) {
		o->held = text;
		o->held_len = len;
	} else {
		if (o->n == 1) {
			put(o, "[", 1);
			put(o, o->held, o->held_len);
			wats_free(o->held);
			o->held = NULL;
		}
		put(o, ",\n", 2);
		put(o, text, len);
		wats_free(text);
	}
	o->n++;
	return o->failed ? WATS_EIO : 0;
}

static int finish(out_state *o)
{
	if (o->wsxf) {
		if (o->n == 0) {
			char *text;
			size_t len;
			if (wats_reports_to_wsxf(&text, &len, NULL, 0, 0, NULL) == 0) {
				put(o, text, len);
				wats_free(text);
			}
		} else {
			put(o, "</Reports>", 10);
		}
	} else if (o->n == 1) {
		put(o, o->held, o->held_len);
		wats_free(o->held);
		o->held = NULL;
	} else if (o->n > 1) {
		put(o, "]", 1);
	}
	if (o->n)
		put(o, "\n", 1);
	return o->failed ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: wats convert FILE [--from auto|wsjf|wsxf|wstf|atml|csv|NAME] [--to wsjf|wsxf]\n"
		"                   [-o OUT] [--param KEY=VALUE]... [--plugins DIR]\n"
		"                   [--command NAME=PROGRAM] [--pretty] [--log] [--log-json]\n"
		"                   [--random-ids]\n"
		"       wats convert --list\n"
		"       wats detect FILE...\n");
	return WATS_EXIT_USAGE;
}

/* Registry with the built-ins, the plugins of --plugins and the --command converters. */
static int make_registry(wats_converters **out, const char *plugins, char **commands, int ncmd)
{
	int rc = wats_converters_new(out);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		return WATS_EXIT_INTERNAL;
	}
	if (plugins) {
		size_t n = 0;
		rc = wats_converters_load_plugins(&n, *out, plugins);
		if (rc < 0) {
			wats_cli_print_error(NULL);
			return WATS_EXIT_INPUT;
		}
		const char *errs = wats_converters_load_errors(*out);
		if (*errs)
			fprintf(stderr, "wats: plugins skipped:\n%s", errs);
	}
	for (int i = 0; i < ncmd; i++) {
		char *eq = strchr(commands[i], '=');
		if (!eq || eq == commands[i] || !eq[1]) {
			fprintf(stderr, "wats: --command wants NAME=PROGRAM, got '%s'\n", commands[i]);
			return WATS_EXIT_USAGE;
		}
		*eq = '\0';
		const char *argv[] = { eq + 1, NULL };
		wats_command_options co = WATS_COMMAND_OPTIONS_INIT;
		co.name = commands[i];
		co.argv = argv;
		rc = wats_converters_add_command(*out, &co);
		*eq = '=';
		if (rc < 0) {
			wats_cli_print_error(NULL);
			return WATS_EXIT_USAGE;
		}
	}
	return WATS_EXIT_OK;
}

int wats_cmd_convert(int argc, char **argv)
{
	const char *in = NULL, *out_path = NULL, *from = NULL, *to = "wsjf", *plugins = NULL;
	int pretty = 0, log_text = 0, log_json = 0, list = 0, random_ids = 0;
	char **params = calloc((size_t)argc + 1, sizeof(char *));
	char **commands = calloc((size_t)argc + 1, sizeof(char *));
	int np = 0, nc = 0;
	if (!params || !commands) {
		free(params), free(commands);
		return WATS_EXIT_INTERNAL;
	}
	int ret = WATS_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && val && (i++, 1))
		if (OPT("--from") || OPT("-f"))
			from = val;
		else if (OPT("--to") || OPT("-t"))
			to = val;
		else if (OPT("-o") || OPT("--output"))
			out_path = val;
		else if (OPT("--param") || OPT("-p"))
			params[np++] = (char *)val;
		else if (OPT("--plugins"))
			plugins = val;
		else if (OPT("--command"))
			commands[nc++] = (char *)val;
		else if (!strcmp(a, "--pretty"))
			pretty = 1;
		else if (!strcmp(a, "--log"))
			log_text = 1;
		else if (!strcmp(a, "--log-json"))
			log_json = 1;
		else if (!strcmp(a, "--list"))
			list = 1;
		else if (!strcmp(a, "--random-ids"))
			random_ids = 1;
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "wats convert: unknown or incomplete option '%s'\n", a);
			ret = usage();
			goto done;
		} else if (in) {
			fprintf(stderr, "wats convert: one input file at a time\n");
			ret = usage();
			goto done;
		} else {
			in = a;
		}
#undef OPT
	}
	if ((!in && !list) || (strcmp(to, "wsjf") && strcmp(to, "wsxf"))) {
		if (strcmp(to, "wsjf") && strcmp(to, "wsxf"))
			fprintf(stderr, "wats convert: --to must be wsjf or wsxf\n");
		ret = usage();
		goto done;
	}
	wats_converters *reg = NULL;
	ret = make_registry(&reg, plugins, commands, nc);
	if (ret != WATS_EXIT_OK) {
		wats_converters_free(reg);
		goto done;
	}
	if (list) {
		for (size_t i = 0; i < wats_converters_count(reg); i++) {
			const wats_converter *cv = wats_converters_at(reg, i);
			printf("%-12s %s\n", wats_converter_name(cv), wats_converter_description(cv));
		}
		wats_converters_free(reg);
		goto done;
	}

	/* Standard input is spooled into memory (conversion may need to rewind after detection). */
	char *stdin_data = NULL;
	size_t stdin_len = 0;
	if (!strcmp(in, "-") && cli_read_all(&stdin_data, &stdin_len, "-") < 0) {
		wats_cli_print_error(NULL);
		wats_converters_free(reg);
		ret = WATS_EXIT_INPUT;
		goto done;
	}
	char *tmp_path = NULL;
	out_state o = { stdout, !strcmp(to, "wsxf"), pretty ? WATS_WRITE_PRETTY : 0, 0, NULL, 0, 0 };
	if (out_path && strcmp(out_path, "-")) {
		size_t n = strlen(out_path) + 16;
		tmp_path = malloc(n);
		if (tmp_path)
			snprintf(tmp_path, n, "%s.tmpXXXXXX", out_path);
		int fd = tmp_path ? mkstemp(tmp_path) : -1;
		o.f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!o.f) {
			fprintf(stderr, "wats convert: cannot create %s: %s\n", out_path, strerror(errno));
			free(tmp_path);
			free(stdin_data);
			wats_converters_free(reg);
			ret = WATS_EXIT_INPUT;
			goto done;
		}
	}
	wats_conversion_log *log = NULL;
	wats_conversion_log_new(&log);
	wats_convert_options opts = WATS_CONVERT_OPTIONS_INIT;
	opts.converter = from;
	opts.params = (const char *const *)params;
	opts.log = log;
	/* A report whose file has no id gets one derived from the file's bytes and its index:
	 * converting the same file again gives the same ids (as watsd does). */
	if (!random_ids)
		opts.flags = WATS_CONVERT_DERIVE_IDS;
	size_t count = 0;
	int rc = stdin_data ? wats_convert_buffer(&count, reg, "<stdin>", stdin_data, stdin_len,
						  &opts, on_report, &o)
			    : wats_convert_file(&count, reg, in, &opts, on_report, &o);
	int frc = rc < 0 ? 0 : finish(&o);
	wats_free(o.held);
	if (rc < 0) {
		wats_cli_print_error(NULL);
		ret = wats_cli_exit_for(rc);
		if (ret == WATS_EXIT_USAGE && rc != WATS_EINVAL)
			ret = WATS_EXIT_INPUT;
		if (rc == WATS_EUNSUPPORTED || rc == WATS_ELIMIT || rc == WATS_ETIMEOUT)
			ret = WATS_EXIT_INPUT;
	} else if (frc < 0) {
		fprintf(stderr, "wats convert: cannot write the output\n");
		ret = WATS_EXIT_INPUT;
	}
	if (o.f != stdout) {
		if (fflush(o.f) != 0 || fsync(fileno(o.f)) != 0)
			ret = ret ? ret : WATS_EXIT_INPUT;
		fclose(o.f);
		if (ret == WATS_EXIT_OK && rename(tmp_path, out_path) != 0) {
			fprintf(stderr, "wats convert: cannot write %s: %s\n", out_path, strerror(errno));
			ret = WATS_EXIT_INPUT;
		}
		if (ret != WATS_EXIT_OK)
			unlink(tmp_path);
	} else {
		fflush(stdout);
	}
	/* Warnings always go to stderr; the whole log on request. */
	if (log_text || log_json) {
		char *text = NULL;
		if ((log_json ? wats_conversion_log_json(&text, NULL, log)
			      : wats_conversion_log_text(&text, NULL, log)) == 0)
			fprintf(stderr, "%s%s", text, log_json ? "\n" : "");
		wats_free(text);
	} else {
		for (size_t i = 0; i < wats_conversion_log_warning_count(log); i++) {
			const wats_conversion_warning *w = wats_conversion_log_warning(log, i);
			fprintf(stderr, "wats: warning: %s:%ld: %s%s%s\n", w->file ? w->file : in, w->line,
				w->path ? w->path : "", w->path ? ": " : "", w->message);
		}
	}
	wats_conversion_log_free(log);
	free(tmp_path);
	free(stdin_data);
	wats_converters_free(reg);
done:
	free(params);
	free(commands);
	return ret;
}

int wats_cmd_detect(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *plugins = NULL;
	int first = 1;
	if (argc > 3 && !strcmp(argv[1], "--plugins")) {
		plugins = argv[2];
		first = 3;
	}
	wats_converters *reg = NULL;
	int ret = make_registry(&reg, plugins, NULL, 0);
	if (ret != WATS_EXIT_OK) {
		wats_converters_free(reg);
		return ret;
	}
	int none = 0;
	for (int i = first; i < argc; i++) {
		wats_detection d;
		int rc = wats_convert_detect(&d, reg, argv[i]);
		if (rc < 0) {
			wats_cli_print_error(NULL);
			ret = WATS_EXIT_INPUT;
			continue;
		}
		if (!d.converter) {
			printf("%s: unknown (no converter recognises it)\n", argv[i]);
			none = 1;
			continue;
		}
		printf("%s: %s confidence=%.2f sn=%s pn=%s\n", argv[i], wats_converter_name(d.converter),
		       d.confidence, d.sn[0] ? d.sn : "-", d.pn[0] ? d.pn : "-");
	}
	wats_converters_free(reg);
	if (ret == WATS_EXIT_OK && none)
		ret = WATS_EXIT_NEGATIVE;
	return ret;
}
