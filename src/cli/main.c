/* wats: the command-line tool over libwats. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "wats/wats.h"

static const wats_cli_command commands[] = {
	{ "validate", "FILE...", "check WSJF reports against the report rules", wats_cmd_validate },
	{ "fmt", "[--pretty] [-o OUT] FILE", "parse a WSJF report and write it again (lossless)", wats_cmd_fmt },
	{ "diff", "A B", "semantic JSON difference (key order ignored, numbers by value)", wats_cmd_diff },
	{ "summary", "FILE...", "print a one-paragraph summary of each report", wats_cmd_summary },
	{ "convert", "FILE [--from F] [--to wsjf|wsxf]", "convert a test-station file into WSJF or WSXF", wats_cmd_convert },
	{ "detect", "FILE...", "name the converter that fits each file, with confidence", wats_cmd_detect },
	{ "test-connection", "", "check the server answers (WATS_BASE_URL, WATS_AUTH_TOKEN)", wats_cmd_test_connection },
	{ "submit", "FILE...", "send WSJF/WSXF reports to the server", wats_cmd_submit },
	{ "report", "get ID | query [--pn --sn --since]", "download a report, or list report headers", wats_cmd_net_report },
	{ "product", "get PN", "show a product and its revisions", wats_cmd_net_product },
	{ "unit", "get SN PN", "show a production unit", wats_cmd_net_unit },
	{ "api", "list | show NAME | call NAME k=v...", "any of the 204 REST routes by name", wats_cmd_api },
	{ "queue", "status|list|retry|purge --instance NAME", "the persistent submit queue of watsd", wats_cmd_queue },
	{ "status", "[--instance NAME] [--send CMD]", "ask a running watsd (control socket)", wats_cmd_status },
	{ "reload", "[--instance NAME]", "make a running watsd read its config again", wats_cmd_reload },
	{ "config", "init|show|get|set|validate (--instance NAME | --config FILE)", "watsd instance configs", wats_cmd_config },
	{ "service", "install|uninstall|start|stop|status|logs [--user] [--instance NAME]", "a systemd unit for a watsd instance", wats_cmd_service },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: wats <command> [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		/* A usage too long for its column puts the summary on the next line. */
		if (strlen(commands[i].usage) > 36)
			fprintf(out, "  %-16s %s\n  %-16s %-36s %s\n", commands[i].name, commands[i].usage, "", "",
				commands[i].summary);
		else
			fprintf(out, "  %-16s %-36s %s\n", commands[i].name, commands[i].usage, commands[i].summary);
	}
	fprintf(out,
		"\nexit codes:\n"
		"  0  success\n"
		"  1  the command ran and the answer is negative (invalid report, differences found)\n"
		"  2  usage error\n"
		"  3  input could not be read or parsed\n"
		"  4  server or network error\n"
		"  5  internal error (out of memory)\n"
		"\nA FILE of - reads standard input. wats --version prints the version. See man wats(1).\n");
}

void wats_cli_print_error(const char *what)
{
	const wats_error *e = wats_error_last();
	if (what && *what)
		fprintf(stderr, "wats: %s: %s\n", what, e->message);
	else
		fprintf(stderr, "wats: %s\n", e->message);
}

int wats_cli_exit_for(int rc)
{
	switch (rc) {
	case WATS_OK: return WATS_EXIT_OK;
	case WATS_EVALIDATION: return WATS_EXIT_NEGATIVE;
	case WATS_EINVAL: return WATS_EXIT_USAGE;
	case WATS_ENOMEM: return WATS_EXIT_INTERNAL;
	case WATS_ETRANSPORT: case WATS_ETIMEOUT: case WATS_EAUTH: case WATS_EFORBIDDEN:
	case WATS_ECONFLICT: case WATS_ESERVER: case WATS_EBREAKER: case WATS_ERATELIMIT:
	case WATS_EHTTP:
		return WATS_EXIT_SERVER;
	default: return WATS_EXIT_INPUT;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return WATS_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return WATS_EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("wats %s (libwats %s)\n", WATS_VERSION, wats_version());
		return WATS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "wats: unknown command '%s' (see wats --help)\n", cmd);
	return WATS_EXIT_USAGE;
}
