/* Shared fixture of the watsd tests: a dev server, a temp folder, watsd as a real process. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "devserver.h"
#include "testutil.h"
#include "devcontrol.h"
#include "util/uuid.h"
#include "wats/wats.h"

#include "watsd_fixture.h"

/* Processes started by start_watsd; teardown kills those still running (a failed test). */
static pid_t started[64];
static int nstarted;




const char *watsd_bin(void)
{
	const char *p = getenv("WATSD");
	if (!p || !*p)
		fail_msg("WATSD is not set (run through ctest)");
	return p;
}

void write_config(fx *f, const char *extra)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "{\"schema_version\":1,\"server\":{\"url\":\"%s\",\"token_file\":\"token\"},"
		 "\"station\":{\"name\":\"watsd-test\"},"
		 "\"watch\":[{\"path\":\"inbox\",\"patterns\":\"*.json\",\"stable_ms\":200}],"
		 "\"queue\":{\"backoff_base_ms\":50,\"backoff_max_ms\":300},"
		 "\"log\":{\"file\":\"watsd.log\",\"level\":\"info\"}%s}",
		 tu_devserver_url(f->ds), extra ? extra : "");
	tu_write(f->config, text, strlen(text));
}

int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->ds = tu_devserver_start(NULL, NULL);
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = tu_devserver_url(f->ds);
	o.token = tu_devserver_token(f->ds);
	o.station_file = "/nonexistent";
	OK(wats_client_new(&f->ctl, &o));
	f->dir = tu_tmpdir();
	snprintf(f->inbox, sizeof(f->inbox), "%s/inbox", f->dir);
	mkdir(f->inbox, 0755);
	snprintf(f->config, sizeof(f->config), "%s/station.json", f->dir);
	char tok[4200];
	snprintf(tok, sizeof(tok), "%s/token", f->dir);
	tu_write(tok, tu_devserver_token(f->ds), strlen(tu_devserver_token(f->ds)));
	chmod(tok, 0600);
	write_config(f, NULL);
	f->fixture = tu_read(tu_fixture("new_report_example.json"), &f->fixture_len);
	*state = f;
	return 0;
}

int teardown(void **state)
{
	fx *f = *state;
	for (int i = 0; i < nstarted; i++) {
		int st;
		if (waitpid(started[i], &st, WNOHANG) == 0) { /* still our running child */
			kill(started[i], SIGKILL);
			waitpid(started[i], &st, 0);
		}
	}
	nstarted = 0;
	wats_client_free(f->ctl);
	tu_devserver_stop(f->ds);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->fixture);
	free(f);
	return 0;
}

/* Start watsd, wait for its ready line (10 s at most). */
pid_t start_watsd(fx *f)
{
	return start_watsd_arg(f, NULL);
}

/* The same with one more argument (NULL: none), e.g. "--test-hooks". */
pid_t start_watsd_arg(fx *f, const char *arg)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A failed test must not leave watsd running (ctest would wait for its pipes). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(watsd_bin(), "watsd", "--config", f->config, "--ready-fd", fd, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (nstarted < 64)
		started[nstarted++] = pid;
	struct pollfd pf = { p[0], POLLIN, 0 };
	char buf[16] = "";
	if (poll(&pf, 1, 10000) != 1 || read(p[0], buf, sizeof(buf) - 1) < 5)
		fail_msg("watsd did not become ready (see %s/watsd.log)", f->dir);
	close(p[0]);
	return pid;
}

int stop_watsd(pid_t pid, int sig)
{
	kill(pid, sig);
	int st = 0;
	for (int i = 0; i < 300; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct timespec ts = { 0, 50000000L };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("watsd did not stop within 15 s after signal %d", sig);
	return -1;
}

char *dev(fx *f, const char *method, const char *path, const char *body)
{
	return tu_dev_request(f->ctl, method, path, body);
}

long stat_num(fx *f, const char *key)
{
	return tu_dev_stat(f->ctl, key);
}

/* Wait until the server holds n reports (bounded); returns what it holds. */
long wait_reports(fx *f, long n, int timeout_ms)
{
	long have = 0;
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		have = stat_num(f, "reportsInDatabase");
		if (have >= n)
			return have;
		struct timespec ts = { 0, 50000000L };
		nanosleep(&ts, NULL);
	}
	return have;
}

/* Write report k (fresh id into ids[k]) into the inbox: to a dot file, then renamed. */
void drop(fx *f, char ids[][37], int k)
{
	wats_report *r = NULL;
	OK(wats_report_parse(&r, f->fixture, f->fixture_len, NULL));
	assert_int_equal(wats__uuid_v4(ids[k]), 0);
	OK(wats_report_set_id(r, ids[k]));
	char tmp[4200], dst[4200];
	snprintf(tmp, sizeof(tmp), "%s/.r%05d.json", f->inbox, k);
	snprintf(dst, sizeof(dst), "%s/r%05d.json", f->inbox, k);
	OK(wats_report_write_file(r, tmp, 0));
	assert_int_equal(rename(tmp, dst), 0);
	wats_report_free(r);
}

int count_files(const char *dir)
{
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "find '%s' -maxdepth 1 -type f -name 'r*.json' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Connect to the control socket; -1 on failure (errno set). */
int ctl_connect(fx *f)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/station.state/watsd.sock", f->dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Read answer lines until n lines or 8 s. */
char *ctl_read(int fd, int lines)
{
	static char buf[65536];
	size_t len = 0;
	int seen = 0;
	for (int waited = 0; waited < 8000 && seen < lines && len < sizeof(buf) - 1; ) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			seen += buf[len + (size_t)i] == '\n';
		len += (size_t)r;
	}
	buf[len] = '\0';
	return buf;
}


void write_http_config(fx *f, const char *api_key, const char *extra)
{
	char key[4200], line[256];
	snprintf(key, sizeof(key), "%s/apikey", f->dir);
	snprintf(line, sizeof(line), "%s\n", api_key);
	tu_write(key, line, strlen(line));
	chmod(key, 0600);
	char text[2048];
	snprintf(text, sizeof(text), ",\"http\":{\"port\":0,\"api_key_file\":\"apikey\"}%s",
		 extra ? extra : "");
	write_config(f, text);
	chmod(f->config, 0600);
}

int watsd_http_port(fx *f, const char *host)
{
	int fd = ctl_connect(f);
	assert_true(fd >= 0);
	const char *q = "{\"v\":1,\"id\":1,\"cmd\":\"status\"}\n";
	assert_int_equal(write(fd, q, strlen(q)), (ssize_t)strlen(q));
	char *ans = ctl_read(fd, 1);
	close(fd);
	json_object *j = json_tokener_parse(ans), *res, *h; /* ans: ctl_read's static buffer */
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "result", &res));
	assert_true(json_object_object_get_ex(res, "http", &h));
	const char *addr = json_object_get_string(h), *colon = strrchr(addr, ':');
	assert_non_null(colon);
	if (host && ((size_t)(colon - addr) != strlen(host) || strncmp(addr, host, strlen(host))))
		fail_msg("http bound to \"%s\", expected %s:PORT", addr, host);
	int port = atoi(colon + 1);
	json_object_put(j);
	assert_true(port > 0);
	return port;
}
