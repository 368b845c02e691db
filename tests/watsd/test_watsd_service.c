/*
 * wats service (src/cli/cmd_service.c), without systemd: the unit written into a temp folder
 * (--unit-dir) and its content, install twice is idempotent, uninstall; start/status/logs run
 * systemctl/journalctl with the exact arguments (fake scripts first in PATH that record them);
 * without systemctl in PATH a clear message and a non-zero exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

typedef struct sv {
	char *dir;
	char config[4200], units[4200], bin[4200];
} sv;

static const char *env_or_fail(const char *k)
{
	const char *v = getenv(k);
	if (!v || !*v)
		fail_msg("%s is not set (run through ctest)", k);
	return v;
}

/* Run wats with args (NULL-terminated) and PATH=path (NULL: unchanged); stdout and stderr in
 * malloc'd strings. Returns the exit status. */
static int run_wats(sv *s, const char *path, char **out, char **err, const char *const *args)
{
	char fo[4300], fe[4300];
	snprintf(fo, sizeof(fo), "%s/out.txt", s->dir);
	snprintf(fe, sizeof(fe), "%s/err.txt", s->dir);
	const char *argv[32];
	int k = 0;
	argv[k++] = env_or_fail("WATS_CLI");
	argv[k++] = "service";
	for (int i = 0; args[i] && k < 31; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(fo, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(fe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		if (path)
			setenv("PATH", path, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	char *o = tu_read(fo, NULL), *e = tu_read(fe, NULL);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WEXITSTATUS(st);
}

static int setup(void **state)
{
	sv *s = calloc(1, sizeof(*s));
	s->dir = tu_tmpdir();
	char p[4300];
	snprintf(p, sizeof(p), "%s/inbox", s->dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/token", s->dir);
	tu_write(p, "secret", 6);
	chmod(p, 0600);
	snprintf(s->config, sizeof(s->config), "%s/line3.json", s->dir);
	const char *cfg = "{\"schema_version\":1,\"server\":{\"url\":\"http://127.0.0.1:9\","
			  "\"token_file\":\"token\"},\"watch\":[{\"path\":\"inbox\"}],"
			  "\"state_dir\":\"state\",\"log\":{\"file\":\"logs/watsd.log\"}}";
	tu_write(s->config, cfg, strlen(cfg));
	snprintf(s->units, sizeof(s->units), "%s/units", s->dir);
	snprintf(s->bin, sizeof(s->bin), "%s/bin", s->dir);
	mkdir(s->bin, 0755);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	sv *s = *state;
	tu_rmtree(s->dir);
	free(s->dir);
	free(s);
	return 0;
}

static void test_install_uninstall(void **state)
{
	sv *s = *state;
	const char *watsd = env_or_fail("WATSD");
	char *dry = NULL, *out = NULL, *err = NULL;
	const char *a1[] = { "install", "--config", s->config, "--instance", "line3", "--unit-dir",
			     s->units, "--watsd", watsd, "--dry-run", NULL };
	assert_int_equal(run_wats(s, NULL, &dry, NULL, a1), 0);
	char want[8400];
	char wreal[4096];
	assert_non_null(realpath(watsd, wreal));
	snprintf(want, sizeof(want), "\nExecStart=%s --instance line3 --config %s\n", wreal, s->config);
	assert_non_null(strstr(dry, want));
	assert_non_null(strstr(dry, "\nType=notify\n"));
	assert_non_null(strstr(dry, "\nWatchdogSec="));
	assert_non_null(strstr(dry, "\nRestart=on-failure\n"));
	assert_non_null(strstr(dry, "\nExecReload=/bin/kill -HUP $MAINPID\n"));
	assert_non_null(strstr(dry, "\nNoNewPrivileges=yes\n"));
	assert_non_null(strstr(dry, "\nProtectSystem=strict\n"));
	assert_non_null(strstr(dry, "\nWantedBy=multi-user.target\n"));
	snprintf(want, sizeof(want), "\nReadWritePaths=%s/inbox\n", s->dir);
	assert_non_null(strstr(dry, want));
	/* --dry-run writes nothing (not even the state folder). */
	char p[4400];
	snprintf(p, sizeof(p), "%s/watsd-line3.service", s->units);
	assert_int_equal(access(p, F_OK), -1);

	const char *a2[] = { "install", "--config", s->config, "--instance", "line3", "--unit-dir",
			     s->units, "--watsd", watsd, NULL };
	assert_int_equal(run_wats(s, NULL, &out, NULL, a2), 0);
	assert_non_null(strstr(out, "written"));
	free(out);
	/* A real install creates the state and log folders, so they can be listed as writable. */
	char *unit = tu_read(p, NULL);
	snprintf(want, sizeof(want), "\nReadWritePaths=%s/state\n", s->dir);
	assert_non_null(strstr(unit, want));
	snprintf(want, sizeof(want), "\nReadWritePaths=%s/logs\n", s->dir);
	assert_non_null(strstr(unit, want));
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Idempotent: the same unit again is left alone. */
	assert_int_equal(run_wats(s, NULL, &out, NULL, a2), 0);
	assert_non_null(strstr(out, "unchanged"));
	free(out);
	char *again = tu_read(p, NULL);
	assert_string_equal(unit, again);
	free(again);
	free(unit);
	free(dry);

	/* --user: default.target, no ProtectSystem (needs user namespaces). */
	const char *a3[] = { "install", "--user", "--config", s->config, "--instance", "line3",
			     "--watsd", watsd, "--dry-run", NULL };
	assert_int_equal(run_wats(s, NULL, &dry, NULL, a3), 0);
	assert_non_null(strstr(dry, "\nWantedBy=default.target\n"));
	assert_null(strstr(dry, "\nProtectSystem="));
	free(dry);

	const char *a4[] = { "uninstall", "--instance", "line3", "--unit-dir", s->units, NULL };
	assert_int_equal(run_wats(s, NULL, &out, NULL, a4), 0);
	assert_non_null(strstr(out, "removed"));
	free(out);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(run_wats(s, NULL, &out, NULL, a4), 0);
	assert_non_null(strstr(out, "not installed"));
	free(out);

	/* An invalid config is refused with the loader's message. */
	tu_write(s->config, "{\"schema_version\":1}", 20);
	assert_int_equal(run_wats(s, NULL, NULL, &err, a2), 1);
	assert_non_null(strstr(err, "line3.json"));
	free(err);
	/* A bad instance name. */
	const char *a5[] = { "install", "--instance", "../x", "--dry-run", NULL };
	assert_int_equal(run_wats(s, NULL, NULL, NULL, a5), 2);
}

static void fake_tool(sv *s, const char *name)
{
	char p[4400], text[9000];
	snprintf(p, sizeof(p), "%s/%s", s->bin, name);
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$*\" > '%s/%s.args'\nexit 3\n", s->dir, name);
	tu_write(p, text, strlen(text));
	chmod(p, 0755);
}

static void test_control(void **state)
{
	sv *s = *state;
	char *err = NULL, *args = NULL;
	/* No systemctl: a clear message, non-zero exit. */
	const char *a1[] = { "start", "--instance", "line3", NULL };
	assert_int_not_equal(run_wats(s, "", NULL, &err, a1), 0);
	assert_non_null(strstr(err, "systemctl not found"));
	free(err);
	const char *lg[] = { "logs", NULL };
	assert_int_not_equal(run_wats(s, s->bin, NULL, &err, lg), 0);
	assert_non_null(strstr(err, "journalctl not found"));
	free(err);

	fake_tool(s, "systemctl");
	fake_tool(s, "journalctl");
	char p[4400];
	snprintf(p, sizeof(p), "%s/systemctl.args", s->dir);
	/* The tool's exit status is passed on (3 here). */
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, a1), 3);
	args = tu_read(p, NULL);
	assert_string_equal(args, "start watsd-line3.service\n");
	free(args);
	const char *a2[] = { "stop", "--user", "--instance", "line3", NULL };
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, a2), 3);
	args = tu_read(p, NULL);
	assert_string_equal(args, "--user stop watsd-line3.service\n");
	free(args);
	const char *a3[] = { "status", NULL };
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, a3), 3);
	args = tu_read(p, NULL);
	assert_string_equal(args, "status --no-pager watsd-default.service\n");
	free(args);
	const char *ar[] = { "reload", "--instance", "line3", NULL };
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, ar), 3);
	snprintf(p, sizeof(p), "%s/systemctl.args", s->dir);
	args = tu_read(p, NULL);
	assert_string_equal(args, "reload watsd-line3.service\n");
	free(args);
	const char *a4[] = { "logs", "--user", "--instance", "line3", "--", "-n", "50", NULL };
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, a4), 3);
	snprintf(p, sizeof(p), "%s/journalctl.args", s->dir);
	args = tu_read(p, NULL);
	assert_string_equal(args, "--user -u watsd-line3.service -n 50\n");
	free(args);
	const char *a5[] = { "frobnicate", NULL };
	assert_int_equal(run_wats(s, s->bin, NULL, NULL, a5), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_uninstall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
