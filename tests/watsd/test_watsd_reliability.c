/*
 * Reliability of watsd, real processes and real files (docs/watsd.md, "Reliability tests"):
 *  - a 5xx storm with connection resets before and after the body (the report stored, the
 *    answer lost): every report on the server exactly once by id;
 *  - 429 with Retry-After: the queue pauses, every report arrives, none twice;
 *  - a server outage: the number of upload requests during it stays bounded by the breaker,
 *    every report arrives after recovery;
 *  - files watsd cannot read (a FIFO with a watched name, a file larger than watsd takes, and
 *    when not root a file without read permission): error folder with a .reason, service up;
 *  - the state folder's disk full (a small tmpfs when mount is permitted, else RLIMIT_FSIZE on
 *    the watsd process): a clear error, not ready, files kept, everything sent once space
 *    returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd_fixture.h"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sum of the dev server's per-route counters of "POST /api/Report..." for one outcome
 * ("200", "503", "429", "reset", or NULL for all). */
static long report_posts(fx *f, const char *outcome)
{
	char *text = dev(f, "GET", "/_dev/stats", NULL);
	json_object *j = json_tokener_parse(text), *routes;
	long n = 0;
	if (j && json_object_object_get_ex(j, "routes", &routes)) {
		json_object_object_foreach(routes, k, v) {
			if (strncmp(k, "POST /api/Report", 16))
				continue;
			json_object_object_foreach(v, ok, ov) {
				if (!outcome || !strcmp(ok, outcome))
					n += (long)json_object_get_int64(ov);
			}
		}
	}
	json_object_put(j);
	free(text);
	return n;
}

static void assert_all_once(fx *f, char ids[][37], int n)
{
	assert_int_equal(stat_num(f, "reportsInDatabase"), n);
	for (int k = 0; k < n; k++) {
		char *out = NULL;
		size_t len = 0;
		OK(wats_api_get_report(&out, &len, f->ctl, ids[k], WATS_WIRE_WSJF));
		wats_free(out);
	}
}

static void config_with(fx *f, const char *extra_fmt_server_extra, const char *more)
{
	char extra[2048];
	snprintf(extra, sizeof(extra), ",\"server\":{\"url\":\"%s\",\"token_file\":\"token\"%s}%s",
		 tu_devserver_url(f->ds), extra_fmt_server_extra, more ? more : "");
	write_config(f, extra);
}

/* The status object through the control socket. */
static json_object *status(fx *f)
{
	int fd = ctl_connect(f);
	assert_true(fd >= 0);
	const char *q = "{\"v\":1,\"id\":1,\"cmd\":\"status\"}\n";
	assert_int_equal(write(fd, q, strlen(q)), (ssize_t)strlen(q));
	char *ans = ctl_read(fd, 1);
	close(fd);
	json_object *j = json_tokener_parse(ans), *r = NULL;
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "result", &r));
	json_object_get(r);
	json_object_put(j);
	return r;
}

static long counter(json_object *st, const char *name)
{
	json_object *c, *v;
	if (!json_object_object_get_ex(st, "counters", &c) || !json_object_object_get_ex(c, name, &v))
		return -1;
	return (long)json_object_get_int64(v);
}

static void send_cmd(fx *f, const char *cmd)
{
	char sdir[4200];
	snprintf(sdir, sizeof(sdir), "%s/station.state", f->dir);
	char *out = NULL, *err = NULL;
	char *argv[] = { (char *)tu_cli(), (char *)"status", (char *)"--state-dir", sdir,
			 (char *)"--send", (char *)cmd, NULL };
	assert_int_equal(tu_run(argv, &out, &err), 0);
	free(out);
	free(err);
}

static void test_storm_and_resets_exactly_once(void **state)
{
	fx *f = *state;
	config_with(f, ",\"breaker_open_ms\":300", NULL);
	free(dev(f, "POST", "/_dev/faults",
		 "{\"error_rate\":0.3,\"error_status\":503,\"reset_before_rate\":0.1,"
		 "\"reset_after_rate\":0.2,\"match\":\"POST /api/Report\",\"seed\":11}"));
	pid_t pid = start_watsd(f);
	enum { N = 40 };
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	assert_int_equal(wait_reports(f, N, 60000), N);
	/* Faults really happened: 503s, resets (after the body: stored, answer lost). */
	assert_true(report_posts(f, "503") > 0);
	assert_true(report_posts(f, "reset") > 0);
	free(dev(f, "DELETE", "/_dev/faults", NULL));
	/* Nothing waits any more, and each id is stored exactly once. */
	for (int i = 0; i < 100; i++) {
		json_object *st = status(f), *q, *v;
		long waiting = 1;
		if (json_object_object_get_ex(st, "queue", &q) && json_object_object_get_ex(q, "sent", &v))
			waiting = N - (long)json_object_get_int64(v);
		json_object_put(st);
		if (waiting == 0)
			break;
		nap_ms(100);
	}
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	assert_all_once(f, ids, N);
}

static void test_429_retry_after(void **state)
{
	fx *f = *state;
	config_with(f, "", NULL);
	free(dev(f, "POST", "/_dev/faults",
		 "{\"error_count\":3,\"error_status\":429,\"retry_after\":1,\"match\":\"POST /api/Report\"}"));
	pid_t pid = start_watsd(f);
	enum { N = 10 };
	char ids[N][37];
	int64_t t0 = now_ms();
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	assert_int_equal(wait_reports(f, N, 30000), N);
	int64_t took = now_ms() - t0;
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	assert_int_equal(report_posts(f, "429"), 3);
	assert_int_equal(report_posts(f, "200"), N); /* each report accepted once, no duplicate */
	assert_true(took >= 900);                     /* Retry-After: 1 was honoured */
	assert_all_once(f, ids, N);
}

static void test_outage_bounded_by_breaker(void **state)
{
	fx *f = *state;
	/* Breaker: 3 failed calls open it for 1 s, then one probe. The queue's own backoff is
	 * short (50..300 ms) so that without the breaker the uploaders would hammer the server. */
	config_with(f, ",\"breaker_failures\":3,\"breaker_open_ms\":1000", NULL);
	pid_t pid = start_watsd(f);
	enum { N = 20, OUTAGE_MS = 6000 };
	free(dev(f, "POST", "/_dev/faults", "{\"outage_ms\":6000,\"outage_status\":503}"));
	int64_t t0 = now_ms();
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	/* During the outage: count upload requests. */
	while (now_ms() - t0 < OUTAGE_MS - 300)
		nap_ms(100);
	long during = report_posts(f, NULL);
	long stored = stat_num(f, "reportsInDatabase");
	assert_int_equal(stored, 0);
	/* Bound: before the breaker opens, at most (3 failed calls + 4 uploaders in flight) x 3
	 * tries; then one probe call (3 tries) per second open: 21 + 6 x 3 = 39. */
	print_message("upload requests during a %d ms outage: %ld (bound 45)\n", OUTAGE_MS, during);
	assert_true(during <= 45);
	assert_int_equal(wait_reports(f, N, 30000), N);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	assert_all_once(f, ids, N);
}

static void test_unreadable_files(void **state)
{
	fx *f = *state;
	config_with(f, "", NULL);
	pid_t pid = start_watsd(f);
	/* A FIFO with a watched name (would block a plain open forever). */
	char p[4300];
	snprintf(p, sizeof(p), "%s/pipe.json", f->inbox);
	assert_int_equal(mkfifo(p, 0644), 0);
	/* A sparse file larger than watsd takes (512 MiB): costs no disk. */
	snprintf(p, sizeof(p), "%s/huge.json", f->inbox);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)600 << 20), 0);
	close(fd);
	/* Without root, also a file without read permission (root reads it anyway). */
	int noperm = geteuid() != 0;
	if (noperm) {
		snprintf(p, sizeof(p), "%s/secret.json", f->inbox);
		tu_write(p, f->fixture, f->fixture_len);
		chmod(p, 0);
	}
	const char *names[] = { "pipe.json", "huge.json", "secret.json" };
	const char *want[] = { "not a regular file (a FIFO)", "File too large", "Permission denied" };
	for (int i = 0; i < 2 + noperm; i++) {
		snprintf(p, sizeof(p), "%s/Error/%s.reason", f->inbox, names[i]);
		for (int k = 0; k < 200 && !file_exists(p); k++)
			nap_ms(50);
		if (!file_exists(p))
			fail_msg("%s did not reach the error folder", names[i]);
		char *reason = tu_read(p, NULL);
		if (!strstr(reason, want[i]))
			fail_msg("%s.reason lacks \"%s\": %s", names[i], want[i], reason);
		free(reason);
	}
	/* The service is still up and converting. */
	char ids[1][37];
	drop(f, ids, 0);
	assert_int_equal(wait_reports(f, 1, 10000), 1);
	json_object *st = status(f);
	assert_int_equal(counter(st, "files_failed"), 2 + noperm);
	json_object_put(st);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- disk full ---------------------------------------------------------------------------- */

static int mounted;

/* Run mount/umount (found in PATH); 1 when it succeeded. */
static int run_mount(const char *const argv[])
{
	pid_t c = fork();
	if (c == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Put the state folder on a tmpfs of size_kb; 0 when mount is not permitted here. */
static int small_tmpfs(const char *dir, int size_kb)
{
	mkdir(dir, 0700);
	char opt[64];
	snprintf(opt, sizeof(opt), "size=%dk,mode=0700", size_kb);
	return run_mount((const char *[]){ "mount", "-t", "tmpfs", "-o", opt, "tmpfs", dir, NULL });
}

static void remount(const char *dir, int size_kb)
{
	char opt[64];
	snprintf(opt, sizeof(opt), "remount,size=%dk", size_kb);
	if (!run_mount((const char *[]){ "mount", "-o", opt, dir, NULL }))
		fail_msg("mount -o %s %s failed", opt, dir);
}

static void set_fsize(pid_t pid, rlim_t soft)
{
	struct rlimit rl = { soft, RLIM_INFINITY };
	if (prlimit(pid, RLIMIT_FSIZE, &rl, NULL) != 0)
		fail_msg("prlimit: %s", strerror(errno));
}

static void test_state_disk_full(void **state)
{
	fx *f = *state;
	char sdir[4200];
	snprintf(sdir, sizeof(sdir), "%s/station.state", f->dir);
	mounted = small_tmpfs(sdir, 768);
	print_message("disk full simulated with %s\n", mounted ? "a 768 KiB tmpfs on the state folder"
							     : "RLIMIT_FSIZE 768 KiB on watsd");
	/* Uploads paused, so that the queue only grows; small log files. */
	config_with(f, "", ",\"log\":{\"file\":\"watsd.log\",\"max_bytes\":65536,\"files\":2}");
	pid_t pid = start_watsd(f);
	if (!mounted)
		set_fsize(pid, 768 * 1024);
	send_cmd(f, "pause");
	enum { MAXN = 60 };
	char ids[MAXN][37];
	int n = 0;
	long failures = 0;
	/* Drop until the queue cannot store any more (97 KB reports: about 8 fit). */
	for (; n < MAXN && failures <= 0; n++) {
		drop(f, ids, n);
		for (int i = 0; i < 40; i++) {
			json_object *st = status(f);
			failures = counter(st, "enqueue_failures");
			long conv = counter(st, "files_converted");
			json_object_put(st);
			if (failures > 0 || conv == n + 1)
				break;
			nap_ms(25);
		}
	}
	n = n < MAXN ? n : MAXN;
	if (failures <= 0)
		fail_msg("the queue never reported a full disk after %d files", n);
	/* Clear error: not ready, with the reason; the log says why; the files wait. */
	json_object *st = status(f), *r, *nr;
	assert_true(json_object_object_get_ex(st, "ready", &r));
	assert_false(json_object_get_boolean(r));
	assert_true(json_object_object_get_ex(st, "not_ready", &nr));
	if (!strstr(json_object_to_json_string(nr), "cannot store"))
		fail_msg("not_ready lacks the queue error: %s", json_object_to_json_string(nr));
	json_object_put(st);
	assert_true(count_files(f->inbox) >= 1);
	assert_int_equal(kill(pid, 0), 0); /* still running */
	/* Space returns: everything is queued and, resumed, sent exactly once. */
	if (mounted)
		remount(sdir, 64 * 1024);
	else
		set_fsize(pid, RLIM_INFINITY);
	send_cmd(f, "resume");
	assert_int_equal(wait_reports(f, n, 30000), n);
	char done[4300];
	snprintf(done, sizeof(done), "%s/Done", f->inbox);
	for (int i = 0; i < 100 && count_files(done) < n; i++)
		nap_ms(50);
	assert_int_equal(count_files(done), n);
	assert_int_equal(count_files(f->inbox), 0);
	for (int i = 0; i < 100; i++) { /* ready again once a write succeeded */
		st = status(f);
		json_object_object_get_ex(st, "ready", &r);
		int ok = json_object_get_boolean(r);
		json_object_put(st);
		if (ok)
			break;
		nap_ms(100);
	}
	st = status(f);
	json_object_object_get_ex(st, "ready", &r);
	assert_true(json_object_get_boolean(r));
	json_object_put(st);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	char lp[4300];
	snprintf(lp, sizeof(lp), "%s/watsd.log", f->dir);
	char *log = tu_read(lp, NULL);
	char lp1[4400];
	snprintf(lp1, sizeof(lp1), "%s.1", lp);
	char *log1 = file_exists(lp1) ? tu_read(lp1, NULL) : strdup("");
	if (!strstr(log, "cannot queue the reports") && !strstr(log1, "cannot queue the reports"))
		fail_msg("the log does not say that reports could not be queued");
	free(log);
	free(log1);
	assert_all_once(f, ids, n);
}

static int teardown_umount(void **state)
{
	fx *f = *state;
	if (mounted) {
		char sdir[4200];
		snprintf(sdir, sizeof(sdir), "%s/station.state", f->dir);
		run_mount((const char *[]){ "umount", "-l", sdir, NULL });
		mounted = 0;
	}
	return teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_storm_and_resets_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_bounded_by_breaker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_disk_full, setup, teardown_umount),
	};
	return cmocka_run_group_tests_name("watsd_reliability", tests, NULL, NULL);
}
