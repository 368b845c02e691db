/*
 * watsd as a real process against a real wats-devserver, with real files:
 *  - files dropped (written in place slowly, or renamed in) arrive on the server exactly once,
 *    sources go to Done, a bad file goes to Error with a .reason, SIGTERM stops cleanly (0);
 *  - kill -9 at random moments while files flow, restart: every report is on the server once
 *    (by id) and no source file is lost;
 *  - a server outage: reports wait in the queue and all arrive after recovery;
 *  - config errors name the key and the rule; a second instance on the same state refuses.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd_fixture.h"
#include "util/uuid.h"
#include "wats/wats.h"

static void test_flow_exactly_once(void **state)
{
	fx *f = *state;
	pid_t pid = start_watsd(f);
	enum { N = 40 };
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	/* A file written in place, slowly: taken only once complete. */
	char slow[4200];
	snprintf(slow, sizeof(slow), "%s/slow.json", f->inbox);
	FILE *s = fopen(slow, "w");
	size_t half = f->fixture_len / 2;
	fwrite(f->fixture, 1, half, s);
	fflush(s);
	struct timespec ts = { 0, 400000000L }; /* longer than stable_ms: a writer holds it open */
	nanosleep(&ts, NULL);
	fwrite(f->fixture + half, 1, f->fixture_len - half, s);
	fclose(s);
	/* And one that is not a report. */
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s/bad.json", f->inbox);
	tu_write(bad, "{ not json", 10);

	assert_int_equal(wait_reports(f, N + 1, 20000), N + 1);
	for (int k = 0; k < N; k++) {
		char *out = NULL;
		size_t len = 0;
		OK(wats_api_get_report(&out, &len, f->ctl, ids[k], WATS_WIRE_WSJF));
		wats_free(out);
	}
	char p[4300];
	snprintf(p, sizeof(p), "%s/Done", f->inbox);
	for (int i = 0; i < 100 && count_files(p) < N; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_int_equal(count_files(p), N);
	assert_int_equal(count_files(f->inbox), 0);
	snprintf(p, sizeof(p), "%s/Done/slow.json", f->inbox);
	assert_true(file_exists(p));
	snprintf(p, sizeof(p), "%s/Error/bad.json.reason", f->inbox);
	for (int i = 0; i < 100 && !file_exists(p); i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	char *reason = tu_read(p, NULL);
	assert_non_null(strstr(reason, "error:"));
	assert_non_null(strstr(reason, "correlation_id:"));
	free(reason);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	/* Nothing more arrived afterwards: exactly once. */
	assert_int_equal(stat_num(f, "reportsInDatabase"), N + 1);
	/* The token never reaches the log. */
	snprintf(p, sizeof(p), "%s/watsd.log", f->dir);
	char *log = tu_read(p, NULL);
	assert_null(strstr(log, tu_devserver_token(f->ds)));
	assert_non_null(strstr(log, "uploaded report"));
	free(log);
}

static void test_kill9_and_restart(void **state)
{
	fx *f = *state;
	enum { N = 300 };
	static char ids[N][37];
	srand(99);
	int dropped = 0;
	for (int round = 0; round < 4; round++) {
		pid_t pid = start_watsd(f);
		int upto = dropped + N / 4;
		for (; dropped < upto; dropped++)
			drop(f, ids, dropped);
		/* Kill it at a random moment while files flow. */
		struct timespec ts = { 0, (long)(rand() % 300) * 1000000L };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
	}
	pid_t pid = start_watsd(f);
	long have = wait_reports(f, N, 60000);
	assert_int_equal(have, N);
	char done[4300];
	snprintf(done, sizeof(done), "%s/Done", f->inbox);
	for (int i = 0; i < 200 && count_files(done) < N; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	/* Every report once (the database holds one row per id), every source in Done. */
	assert_int_equal(stat_num(f, "reportsInDatabase"), N);
	for (int k = 0; k < N; k++) {
		char *out = NULL;
		size_t len = 0;
		OK(wats_api_get_report(&out, &len, f->ctl, ids[k], WATS_WIRE_WSJF));
		wats_free(out);
	}
	assert_int_equal(count_files(done), N);
	assert_int_equal(count_files(f->inbox), 0);
}

static void test_outage_then_recovery(void **state)
{
	fx *f = *state;
	free(dev(f, "POST", "/_dev/faults", "{\"outage_ms\":60000,\"outage_status\":503}"));
	pid_t pid = start_watsd(f);
	enum { N = 30 };
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	/* The files are converted and queued (sources moved) while the server is down. */
	char done[4300];
	snprintf(done, sizeof(done), "%s/Done", f->inbox);
	for (int i = 0; i < 200 && count_files(done) < N; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_int_equal(count_files(done), N);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 0);
	free(dev(f, "DELETE", "/_dev/faults", NULL));
	assert_int_equal(wait_reports(f, N, 30000), N);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	assert_int_equal(stat_num(f, "reportsInDatabase"), N);
}

static void test_config_errors_and_lock(void **state)
{
	fx *f = *state;
	char *out = NULL, *err = NULL;
	char *argv[] = { (char *)watsd_bin(), (char *)"--config", f->config, (char *)"--check", NULL };
	assert_int_equal(tu_run(argv, &out, &err), 0);
	assert_non_null(strstr(out, "valid"));
	free(out);
	free(err);
	struct { const char *extra, *want; } cases[] = {
		{ ",\"watch\":[{\"path\":\"inbox\",\"priority\":12}]", "\"watch[0].priority\": must be 1..10 (got 12)" },
		{ ",\"queue\":{\"max_item\":5}", "\"queue.max_item\": unknown key" },
		{ ",\"watch\":[{\"path\":\"inbox\",\"post_action\":\"shred\"}]", "must be move, delete, archive or leave" },
		{ ",\"log\":{\"format\":\"xml\"}", "\"log.format\": must be text or json" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The watch array is given twice in some cases; json-c keeps the last one. */
		write_config(f, cases[i].extra);
		assert_int_equal(tu_run(argv, &out, &err), 2);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: expected \"%s\" in: %s", i, cases[i].want, err);
		free(out);
		free(err);
	}
	/* A token in a config file that others can read is refused. */
	char text[1024];
	snprintf(text, sizeof(text), "{\"server\":{\"url\":\"%s\",\"token\":\"c2VjcmV0\"}}",
		 tu_devserver_url(f->ds));
	tu_write(f->config, text, strlen(text));
	chmod(f->config, 0644);
	assert_int_equal(tu_run(argv, &out, &err), 2);
	assert_non_null(strstr(err, "needs mode 0600"));
	assert_null(strstr(err, "c2VjcmV0"));
	free(out);
	free(err);
	/* A second instance on the same state folder refuses to start. */
	write_config(f, NULL);
	pid_t pid = start_watsd(f);
	char *argv2[] = { (char *)watsd_bin(), (char *)"--config", f->config, NULL };
	assert_int_equal(tu_run(argv2, &out, &err), 1);
	assert_non_null(strstr(err, "already running"));
	free(out);
	free(err);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

static void test_folder_recreated_and_post_actions(void **state)
{
	fx *f = *state;
	char arch[3000], keep[3000], text[2048];
	snprintf(arch, sizeof(arch), "%s/archive_in", f->dir);
	snprintf(keep, sizeof(keep), "%s/leave_in", f->dir);
	mkdir(arch, 0755);
	mkdir(keep, 0755);
	snprintf(text, sizeof(text),
		 ",\"rescan_ms\":200,\"watch\":[{\"path\":\"inbox\",\"post_action\":\"delete\",\"stable_ms\":100},"
		 "{\"path\":\"archive_in\",\"post_action\":\"archive\",\"done_dir\":\"arch\",\"priority\":1},"
		 "{\"path\":\"leave_in\",\"post_action\":\"leave\"}]");
	write_config(f, text);
	pid_t pid = start_watsd(f);
	char ids[4][37];
	drop(f, ids, 0);
	assert_int_equal(wait_reports(f, 1, 10000), 1);
	/* delete: the source is gone. */
	char p[4300];
	snprintf(p, sizeof(p), "%s/r00000.json", f->inbox);
	for (int i = 0; i < 100 && file_exists(p); i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_false(file_exists(p));
	/* The watch folder is deleted and re-created: watched again, nothing lost. */
	tu_rmtree(f->inbox);
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	mkdir(f->inbox, 0755);
	nanosleep(&(struct timespec){ 0, 500000000L }, NULL); /* > rescan_ms: re-watched */
	drop(f, ids, 1);
	assert_int_equal(wait_reports(f, 2, 10000), 2);
	/* archive: Done folder by date; leave: stays, and is not sent twice. */
	char saved[4096];
	memcpy(saved, f->inbox, sizeof(saved));
	snprintf(f->inbox, sizeof(f->inbox), "%s", arch);
	drop(f, ids, 2);
	snprintf(f->inbox, sizeof(f->inbox), "%s", keep);
	drop(f, ids, 3);
	memcpy(f->inbox, saved, sizeof(saved));
	assert_int_equal(wait_reports(f, 4, 10000), 4);
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(p, sizeof(p), "%s/arch/%04d-%02d-%02d/r00002.json", f->dir, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	for (int i = 0; i < 100 && !file_exists(p); i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_true(file_exists(p));
	snprintf(p, sizeof(p), "%s/r00003.json", keep);
	assert_true(file_exists(p));
	nanosleep(&(struct timespec){ 0, 600000000L }, NULL); /* rescans see it again: not retaken */
	long before = -1;
	{
		char *text2 = dev(f, "GET", "/_dev/stats", NULL);
		json_object *j = json_tokener_parse(text2), *v;
		if (json_object_object_get_ex(j, "reportsStored", &v))
			before = (long)json_object_get_int64(v);
		json_object_put(j);
		free(text2);
	}
	assert_int_equal(before, 4); /* each stored once: the left file was not sent again */
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

static void test_control_socket(void **state)
{
	fx *f = *state;
	pid_t pid = start_watsd(f);
	char sdir[4200];
	snprintf(sdir, sizeof(sdir), "%s/station.state", f->dir);
	/* wats status through the CLI. */
	char *out = NULL, *err = NULL;
	char *st[] = { (char *)tu_cli(), (char *)"status", (char *)"--state-dir", sdir, NULL };
	assert_int_equal(tu_run(st, &out, &err), 0);
	assert_non_null(strstr(out, "instance station"));
	assert_non_null(strstr(out, "breaker closed"));
	assert_non_null(strstr(out, "memory   RSS "));
	assert_non_null(strstr(out, ", anonymous "));
	free(out);
	free(err);
	char *stj[] = { (char *)tu_cli(), (char *)"status", (char *)"--state-dir", sdir, (char *)"--json", NULL };
	assert_int_equal(tu_run(stj, &out, &err), 0);
	assert_null(strstr(out, tu_devserver_token(f->ds))); /* never a secret */
	free(out);
	free(err);
	/* Pause: files are queued, nothing is sent; resume: sent. */
	char *pa[] = { (char *)tu_cli(), (char *)"status", (char *)"--state-dir", sdir, (char *)"--send", (char *)"pause", NULL };
	assert_int_equal(tu_run(pa, &out, &err), 0);
	free(out);
	free(err);
	char ids[1][37];
	drop(f, ids, 0);
	char done[4300];
	snprintf(done, sizeof(done), "%s/Done", f->inbox);
	for (int i = 0; i < 100 && count_files(done) < 1; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_int_equal(count_files(done), 1);
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 0);
	pa[5] = (char *)"resume";
	assert_int_equal(tu_run(pa, &out, &err), 0);
	free(out);
	free(err);
	assert_int_equal(wait_reports(f, 1, 10000), 1);
	/* The server stores the report before watsd has read its answer and marked the item sent:
	 * wait for "sent" (a fresh connection per poll, so the rate limit below is untouched). */
	int sent = 0;
	for (int i = 0; i < 200 && !sent; i++) {
		int pfd = ctl_connect(f);
		const char *q = "{\"v\":1,\"id\":1,\"cmd\":\"queue.list\",\"state\":\"sent\"}\n";
		if (pfd >= 0 && write(pfd, q, strlen(q)) == (ssize_t)strlen(q))
			sent = strstr(ctl_read(pfd, 1), ids[0]) != NULL;
		if (pfd >= 0)
			close(pfd);
		if (!sent)
			nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	}
	assert_true(sent);
	/* Garbage, a wrong version, an unknown command: one error answer each, still serving. */
	int fd = ctl_connect(f);
	assert_true(fd >= 0);
	const char *junk = "\x01\x02garbage\n{\"v\":9,\"id\":4,\"cmd\":\"status\"}\n{\"cmd\":\"format-disk\"}\n"
			   "{\"v\":1,\"id\":5,\"cmd\":\"queue.list\",\"state\":\"sent\"}\n";
	assert_int_equal(write(fd, junk, strlen(junk)), (ssize_t)strlen(junk));
	char *ans = ctl_read(fd, 4);
	assert_non_null(strstr(ans, "not a JSON object"));
	assert_non_null(strstr(ans, "unsupported protocol version"));
	assert_non_null(strstr(ans, "unknown command"));
	assert_non_null(strstr(ans, ids[0])); /* queue.list found the sent report */
	/* Rate limit: 30 requests at once, the excess refused, the connection kept. */
	char many[30 * 40] = "";
	for (int i = 0; i < 30; i++)
		strcat(many, "{\"cmd\":\"status\"}\n");
	assert_int_equal(write(fd, many, strlen(many)), (ssize_t)strlen(many));
	ans = ctl_read(fd, 30);
	assert_non_null(strstr(ans, "rate limit"));
	close(fd);
	/* A slow client (half a line, then nothing) is answered with a timeout and dropped. */
	fd = ctl_connect(f);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"cmd\":", 8), 8);
	ans = ctl_read(fd, 1);
	assert_non_null(strstr(ans, "timeout"));
	close(fd);
	/* Another user cannot even connect (the socket is 0600). */
	if (geteuid() == 0) {
		pid_t c = fork();
		if (c == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(2);
			int k = ctl_connect(f);
			_exit(k < 0 && errno == EACCES ? 0 : 1);
		}
		int cs = 0;
		waitpid(c, &cs, 0);
		assert_true(WIFEXITED(cs));
		assert_int_equal(WEXITSTATUS(cs), 0);
	}
	/* Stop through the socket: a clean exit. */
	pa[5] = (char *)"stop";
	assert_int_equal(tu_run(pa, &out, &err), 0);
	free(out);
	free(err);
	int ws = 0;
	for (int i = 0; i < 200 && waitpid(pid, &ws, WNOHANG) != pid; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

/* wats config: init, validate (the same rules as watsd), set refused when invalid, get, show
 * without secrets. */
static void test_config_cli(void **state)
{
	fx *f = *state;
	char cfg[4200], *out = NULL, *err = NULL;
	snprintf(cfg, sizeof(cfg), "%s/line3.json", f->dir);
	char *init[] = { (char *)tu_cli(), (char *)"config", (char *)"init", (char *)"--config", cfg,
			 (char *)"--server-url", (char *)tu_devserver_url(f->ds), (char *)"--watch",
			 f->inbox, NULL };
	assert_int_equal(tu_run(init, &out, &err), 0);
	free(out);
	free(err);
	struct stat st;
	assert_int_equal(stat(cfg, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tu_run(init, &out, &err), 3); /* exists: refused without --force */
	free(out);
	free(err);
	char *val[] = { (char *)tu_cli(), (char *)"config", (char *)"validate", (char *)"--config", cfg, NULL };
	assert_int_equal(tu_run(val, &out, &err), 1); /* no token file yet */
	assert_non_null(strstr(err, "\"server.token_file\""));
	free(out);
	free(err);
	char tok[4200];
	snprintf(tok, sizeof(tok), "%s/line3.token", f->dir);
	tu_write(tok, tu_devserver_token(f->ds), strlen(tu_devserver_token(f->ds)));
	chmod(tok, 0600);
	assert_int_equal(tu_run(val, &out, &err), 0);
	assert_non_null(strstr(out, "valid"));
	free(out);
	free(err);
	char *set[] = { (char *)tu_cli(), (char *)"config", (char *)"set", (char *)"watch[0].priority",
			(char *)"12", (char *)"--config", cfg, NULL };
	assert_int_equal(tu_run(set, &out, &err), 1);
	assert_non_null(strstr(err, "must be 1..10 (got 12)"));
	free(out);
	free(err);
	set[3] = (char *)"queue.max_items";
	set[4] = (char *)"500";
	assert_int_equal(tu_run(set, &out, &err), 0);
	free(out);
	free(err);
	char *get[] = { (char *)tu_cli(), (char *)"config", (char *)"get", (char *)"queue.max_items",
			(char *)"--config", cfg, NULL };
	assert_int_equal(tu_run(get, &out, &err), 0);
	assert_string_equal(out, "500\n");
	free(out);
	free(err);
	get[3] = (char *)"watch[0].priority"; /* the rejected set left nothing behind */
	assert_int_equal(tu_run(get, &out, &err), 1);
	free(out);
	free(err);
	/* get: an array element, a member of one, and what is not there (exit 1, the default
	 * applies): a missing key, a missing element, an array or a string as a parent, a
	 * malformed index. */
	get[3] = (char *)"watch[0].path";
	assert_int_equal(tu_run(get, &out, &err), 0);
	char want[4200];
	snprintf(want, sizeof(want), "%s\n", f->inbox);
	assert_string_equal(out, want);
	free(out);
	free(err);
	get[3] = (char *)"watch[0]";
	assert_int_equal(tu_run(get, &out, &err), 0);
	assert_true(out[0] == '{' && strstr(out, "\"path\":"));
	free(out);
	free(err);
	static const char *const unset[] = { "queue.nope", "nope.x", "watch[1]", "watch[1].path",
					     "watch.path", "server.url.x", "server.url[0]", "watch[x]",
					     "watch[-1]" };
	for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) {
		get[3] = (char *)unset[i];
		assert_int_equal(tu_run(get, &out, &err), 1);
		assert_string_equal(out, "");
		char msg[256];
		snprintf(msg, sizeof(msg), "\"%s\" is not set (the default applies)\n", unset[i]);
		assert_non_null(strstr(err, msg));
		free(out);
		free(err);
	}
	/* set: a missing element, an element itself, a non-object on the way: refused before
	 * the file is touched (usage, exit 2); a missing object on the way is made. */
	static const char *const refused[] = { "watch[1].path", "watch[0]", "server.url.x",
					       "watch.path", "nope[0].x" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		set[3] = (char *)refused[i];
		set[4] = (char *)"1";
		assert_int_equal(tu_run(set, &out, &err), 2);
		char msg[256];
		snprintf(msg, sizeof(msg), "wats: config set: cannot set \"%s\" (a missing array "
			 "element or a non-object on the way)\n", refused[i]);
		assert_string_equal(err, msg);
		free(out);
		free(err);
	}
	set[3] = (char *)"log.level";
	set[4] = (char *)"debug";
	assert_int_equal(tu_run(set, &out, &err), 0);
	assert_string_equal(out, "log.level = debug\n");
	free(out);
	free(err);
	get[3] = (char *)"log.level";
	assert_int_equal(tu_run(get, &out, &err), 0);
	assert_string_equal(out, "debug\n");
	free(out);
	free(err);
	char *show[] = { (char *)tu_cli(), (char *)"config", (char *)"show", (char *)"--config", cfg, NULL };
	assert_int_equal(tu_run(show, &out, &err), 0);
	assert_non_null(strstr(out, "(set, hidden)"));
	assert_null(strstr(out, tu_devserver_token(f->ds)));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flow_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_then_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors_and_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_recreated_and_post_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_cli, setup, teardown),
	};
	return cmocka_run_group_tests_name("watsd", tests, NULL, NULL);
}
