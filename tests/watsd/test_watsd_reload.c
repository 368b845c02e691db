/*
 * watsd config reload (SIGHUP, the control command "reload", `wats reload`) and `wats queue`
 * through the control socket, against real dev servers and a real watsd process:
 *
 *   - the server URL and token changed to a second dev server: new uploads go there only;
 *   - a watch folder added: its files are converted; disabled ("enabled": false): its files
 *     stay where they are while the other folder keeps working;
 *   - an invalid file: the answer names the key, the old config keeps running;
 *   - keys that need a restart are named in the answer and keep their running values;
 *   - many reloads while files flow (threads racing the reload; the test runs under TSan;
 *     replaced configs are freed at once, WATSD_TEST_RETIRED_GRACE_MS=0): every report
 *     reaches one of the two servers exactly once in total;
 *   - `wats queue status|list|purge|retry --instance` through the socket while watsd runs,
 *     on the file when it does not; `wats reload` without a watsd fails cleanly;
 *   - the watcher's per-folder cap on files held (back-pressure on the scan).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "devcontrol.h"
#include "watsd_fixture.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A config for server url with token file tok and the given watch array and extra keys. */
static void write_cfg(fx *f, const char *url, const char *tok, const char *watch, const char *extra)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "{\"schema_version\":1,\"server\":{\"url\":\"%s\",\"token_file\":\"%s\"},"
		 "\"station\":{\"name\":\"watsd-test\"},\"watch\":%s,"
		 "\"queue\":{\"backoff_base_ms\":50,\"backoff_max_ms\":300},"
		 "\"log\":{\"file\":\"watsd.log\",\"level\":\"info\"}%s}",
		 url, tok, watch, extra ? extra : "");
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->config);
	tu_write(tmp, text, strlen(text));
	assert_int_equal(rename(tmp, f->config), 0);
}

static int log_count(fx *f, const char *needle)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/watsd.log", f->dir);
	size_t len = 0;
	char *text = tu_read(path, &len);
	int n = 0;
	for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(text);
	return n;
}

/* Wait until the log holds more than `before` lines with needle. */
static void wait_log(fx *f, const char *needle, int before)
{
	for (int i = 0; i < 200; i++) {
		if (log_count(f, needle) > before)
			return;
		sleep_ms(50);
	}
	fail_msg("the log never said \"%s\" (see %s/watsd.log)", needle, f->dir);
}

/* One control request; the parsed answer (caller puts it). */
static json_object *ctl(fx *f, const char *line)
{
	int fd = ctl_connect(f);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	json_object *a = json_tokener_parse(ctl_read(fd, 1));
	close(fd);
	assert_non_null(a);
	return a;
}

static long reports_on(wats_client *c)
{
	char *text = tu_dev_request(c, "GET", "/_dev/stats", NULL);
	json_object *j = json_tokener_parse(text), *v;
	long n = json_object_object_get_ex(j, "reportsInDatabase", &v) ? (long)json_object_get_int64(v) : -1;
	json_object_put(j);
	free(text);
	return n;
}

static long wait_on(wats_client *c, long n, int timeout_ms)
{
	long have = 0;
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		if ((have = reports_on(c)) >= n)
			return have;
		sleep_ms(50);
	}
	return have;
}

/* Drop report k into folder dir (the fixture's drop() writes into f->inbox). */
static void drop_in(fx *f, const char *dir, char ids[][37], int k)
{
	char keep[sizeof(f->inbox)];
	assert_true(strlen(dir) < sizeof(f->inbox));
	memcpy(keep, f->inbox, sizeof(keep));
	memcpy(f->inbox, dir, strlen(dir) + 1);
	drop(f, ids, k);
	memcpy(f->inbox, keep, sizeof(keep));
}

typedef struct second {
	tu_devserver *ds;
	wats_client *ctl;
} second;

static void second_start(second *s, fx *f)
{
	s->ds = tu_devserver_start(NULL, NULL);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = tu_devserver_url(s->ds);
	o.token = tu_devserver_token(s->ds);
	o.station_file = "/nonexistent";
	OK(wats_client_new(&s->ctl, &o));
	char tok[4200];
	snprintf(tok, sizeof(tok), "%s/token2", f->dir);
	tu_write(tok, tu_devserver_token(s->ds), strlen(tu_devserver_token(s->ds)));
	chmod(tok, 0600);
}

static void second_stop(second *s)
{
	wats_client_free(s->ctl);
	tu_devserver_stop(s->ds);
}

#define W1 "{\"path\":\"inbox\",\"patterns\":\"*.json\",\"stable_ms\":200}"
#define W2 "{\"path\":\"inbox2\",\"patterns\":\"*.json\",\"stable_ms\":200}"
#define W2_OFF "{\"path\":\"inbox2\",\"patterns\":\"*.json\",\"stable_ms\":200,\"enabled\":false}"
#define W2_BAD "{\"path\":\"inbox2\",\"patterns\":\"*.json\",\"priority\":12}"

static void test_reload_live(void **state)
{
	fx *f = *state;
	second b;
	second_start(&b, f);
	char inbox2[4096];
	snprintf(inbox2, sizeof(inbox2), "%s/inbox2", f->dir);
	mkdir(inbox2, 0755);
	pid_t pid = start_watsd(f);
	char ids[16][37];
	for (int k = 0; k < 3; k++)
		drop(f, ids, k);
	assert_int_equal(wait_reports(f, 3, 15000), 3);

	/* SIGHUP: the second server (another token) and a second folder. */
	write_cfg(f, tu_devserver_url(b.ds), "token2", "[" W1 "," W2 "]", NULL);
	int before = log_count(f, "config reloaded");
	kill(pid, SIGHUP);
	wait_log(f, "config reloaded", before);
	for (int k = 3; k < 6; k++)
		drop(f, ids, k);
	for (int k = 6; k < 8; k++)
		drop_in(f, inbox2, ids, k);
	assert_int_equal(wait_on(b.ctl, 5, 15000), 5);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 3); /* nothing more on the first */
	assert_int_equal(count_files(inbox2), 0);
	json_object *a = ctl(f, "{\"v\":1,\"cmd\":\"status\"}\n"), *r, *v;
	assert_true(json_object_object_get_ex(a, "result", &r));
	assert_true(json_object_object_get_ex(r, "server", &v));
	assert_string_equal(json_object_get_string(v), tu_devserver_url(b.ds));
	json_object_put(a);

	/* An invalid file: refused with the key named; the running config stays. */
	write_cfg(f, tu_devserver_url(f->ds), "token", "[" W1 "," W2_BAD "]", NULL);
	a = ctl(f, "{\"v\":1,\"id\":2,\"cmd\":\"reload\"}\n");
	assert_true(json_object_object_get_ex(a, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(a, "error", &v));
	assert_non_null(strstr(json_object_get_string(v), "watch[1].priority"));
	json_object_put(a);
	assert_true(log_count(f, "the running config stays") >= 1);
	drop_in(f, inbox2, ids, 8);
	assert_int_equal(wait_on(b.ctl, 6, 15000), 6);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 3);

	/* inbox2 disabled, and a key that needs a restart: named, and the old value kept. */
	write_cfg(f, tu_devserver_url(b.ds), "token2", "[" W1 "," W2_OFF "]",
		  ",\"workers\":{\"convert\":3}");
	a = ctl(f, "{\"v\":1,\"id\":3,\"cmd\":\"reload\"}\n");
	assert_true(json_object_object_get_ex(a, "ok", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(a, "result", &r));
	assert_true(json_object_object_get_ex(r, "restart", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "workers.convert");
	json_object_put(a);
	drop_in(f, inbox2, ids, 9);
	drop(f, ids, 10);
	assert_int_equal(wait_on(b.ctl, 7, 15000), 7);
	sleep_ms(1500); /* the disabled folder's file would have been taken by now */
	assert_int_equal(count_files(inbox2), 1);
	assert_int_equal(reports_on(b.ctl), 7);
	a = ctl(f, "{\"v\":1,\"cmd\":\"status\"}\n");
	assert_true(json_object_object_get_ex(a, "result", &r));
	assert_true(json_object_object_get_ex(r, "threads_expected", &v));
	assert_int_equal(json_object_get_int(v), 2 + 2 + 4); /* still 2 converters */
	json_object_put(a);

	/* Enabled again (`wats reload`): the waiting file is taken. */
	write_cfg(f, tu_devserver_url(b.ds), "token2", "[" W1 "," W2 "]", NULL);
	char *out = NULL, *err = NULL;
	char sdir[4200];
	snprintf(sdir, sizeof(sdir), "%s/station.state", f->dir);
	char *argv[] = { (char *)tu_cli(), "reload", "--state-dir", sdir, NULL };
	assert_int_equal(tu_run(argv, &out, &err), 0);
	assert_non_null(strstr(out, "config reloaded"));
	free(out);
	free(err);
	assert_int_equal(wait_on(b.ctl, 8, 15000), 8);
	assert_int_equal(count_files(inbox2), 0);

	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	assert_int_equal(log_count(f, tu_devserver_token(f->ds)), 0);
	assert_int_equal(log_count(f, tu_devserver_token(b.ds)), 0);
	second_stop(&b);
}

/* Reloads (signal and socket) switching servers every 40 ms while 150 files flow. */
static void test_reload_race(void **state)
{
	fx *f = *state;
	second b;
	second_start(&b, f);
	/* Replaced configs freed as soon as nothing holds them (not 10 s later, after the test):
	 * ASan and TSan see the freeing while the threads run. */
	setenv("WATSD_TEST_RETIRED_GRACE_MS", "0", 1);
	pid_t pid = start_watsd_arg(f, "--test-hooks");
	unsetenv("WATSD_TEST_RETIRED_GRACE_MS");
	enum { N = 150 };
	static char ids[N][37];
	int k = 0;
	for (int round = 0; k < N; round++) {
		for (int j = 0; j < 10 && k < N; j++, k++)
			drop(f, ids, k);
		int to_b = round % 2;
		write_cfg(f, to_b ? tu_devserver_url(b.ds) : tu_devserver_url(f->ds), to_b ? "token2" : "token",
			  "[" W1 "]", round % 3 == 0 ? ",\"log\":{\"file\":\"watsd.log\",\"level\":\"debug\"}" : NULL);
		if (round % 2) {
			kill(pid, SIGHUP);
		} else {
			json_object *a = ctl(f, "{\"v\":1,\"cmd\":\"reload\"}\n"), *v;
			assert_true(json_object_object_get_ex(a, "ok", &v) && json_object_get_boolean(v));
			json_object_put(a);
		}
		sleep_ms(40);
	}
	long total = 0;
	for (int i = 0; i < 400 && total < N; i++) {
		total = stat_num(f, "reportsInDatabase") + reports_on(b.ctl);
		sleep_ms(50);
	}
	assert_int_equal(total, N);
	sleep_ms(500);
	assert_int_equal(stat_num(f, "reportsInDatabase") + reports_on(b.ctl), N);
	assert_int_equal(count_files(f->inbox), 0);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	second_stop(&b);
}

/* `wats queue ... --instance` through the socket while watsd runs, on the file when not. */
static void test_queue_cli(void **state)
{
	fx *f = *state;
	setenv("WATSD_CONFIG_DIR", f->dir, 1); /* instance "station": station.json, station.state */
	pid_t pid = start_watsd(f);
	json_object *a = ctl(f, "{\"v\":1,\"cmd\":\"pause\"}\n");
	json_object_put(a);
	char ids[4][37];
	for (int k = 0; k < 3; k++)
		drop(f, ids, k);
	char *out = NULL, *err = NULL;
	char *st[] = { (char *)tu_cli(), "queue", "status", "--instance", "station", NULL };
	for (int i = 0; i < 100; i++) { /* until the three are queued */
		free(out);
		free(err);
		out = err = NULL;
		assert_int_equal(tu_run(st, &out, &err), 0);
		if (strstr(out, "queued               3 items"))
			break;
		sleep_ms(100);
	}
	assert_non_null(strstr(out, "through watsd"));
	assert_non_null(strstr(out, "queued               3 items"));
	free(out);
	free(err);
	char *ls[] = { (char *)tu_cli(), "queue", "list", "--instance", "station", "--json", NULL };
	assert_int_equal(tu_run(ls, &out, &err), 0);
	for (int k = 0; k < 3; k++)
		assert_non_null(strstr(out, ids[k]));
	free(out);
	free(err);
	char *pu[] = { (char *)tu_cli(), "queue", "purge", "--instance", "station", ids[0], NULL };
	assert_int_equal(tu_run(pu, &out, &err), 0);
	assert_string_equal(out, "1 item deleted\n");
	free(out);
	free(err);
	char *bad[] = { (char *)tu_cli(), "queue", "list", "--instance", "station", "--state", "nope", NULL };
	assert_int_equal(tu_run(bad, &out, &err), 2);
	free(out);
	free(err);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);

	/* No watsd: the file, directly. */
	assert_int_equal(tu_run(st, &out, &err), 0);
	assert_null(strstr(out, "through watsd"));
	assert_non_null(strstr(out, "queue.db"));
	assert_non_null(strstr(out, "queued               2 items"));
	free(out);
	free(err);
	char *pu2[] = { (char *)tu_cli(), "queue", "purge", "--instance", "station", ids[1], NULL };
	assert_int_equal(tu_run(pu2, &out, &err), 0);
	assert_string_equal(out, "1 item deleted\n");
	free(out);
	free(err);
	assert_int_equal(tu_run(ls, &out, &err), 0);
	assert_null(strstr(out, ids[0]));
	assert_null(strstr(out, ids[1]));
	assert_non_null(strstr(out, ids[2]));
	free(out);
	free(err);
	char *rl[] = { (char *)tu_cli(), "reload", "--instance", "station", NULL };
	assert_int_equal(tu_run(rl, &out, &err), 4);
	assert_non_null(strstr(err, "is watsd running?"));
	free(out);
	free(err);

	/* Started again (not paused): the one left is uploaded. */
	pid = start_watsd(f);
	assert_int_equal(wait_reports(f, 1, 15000), 1);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	unsetenv("WATSD_CONFIG_DIR");
}

/* The watcher's per-folder cap (8 here, through --test-hooks): a burst of 60 files goes through
 * with at most 8 held at once; "leave" files do not count against it. */
static void test_held_cap(void **state)
{
	fx *f = *state;
	setenv("WATSD_TEST_MAX_HELD", "8", 1);
	write_cfg(f, tu_devserver_url(f->ds), "token",
		  "[{\"path\":\"inbox\",\"patterns\":\"*.json\",\"stable_ms\":200,\"post_action\":\"leave\"}]",
		  ",\"rescan_ms\":60000");
	pid_t pid = start_watsd_arg(f, "--test-hooks");
	enum { N = 60 };
	static char ids[N + 1][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	assert_int_equal(wait_reports(f, N, 60000), N);
	/* Every file left in place and remembered; a new one is still taken. */
	assert_int_equal(count_files(f->inbox), N);
	drop(f, ids, N);
	assert_int_equal(wait_reports(f, N + 1, 15000), N + 1);
	json_object *a = ctl(f, "{\"v\":1,\"cmd\":\"status\"}\n"), *r, *c, *v;
	assert_true(json_object_object_get_ex(a, "result", &r));
	assert_true(json_object_object_get_ex(r, "counters", &c));
	assert_true(json_object_object_get_ex(c, "files_held_peak", &v));
	assert_true(json_object_get_int(v) >= 1 && json_object_get_int(v) <= 8);
	assert_true(json_object_object_get_ex(c, "files_seen", &v));
	assert_int_equal(json_object_get_int(v), N + 1);
	json_object_put(a);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	unsetenv("WATSD_TEST_MAX_HELD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reload_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
