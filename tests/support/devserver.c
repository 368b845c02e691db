/* Run wats-devserver as a child process for tests (see devserver.h). */
#include "devserver.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "dGVzdDp0ZXN0"   /* base64("test:test") */
#define START_TIMEOUT_MS 20000  /* generous: ASan and valgrind builds start slowly */

struct tu_devserver {
	pid_t pid;
	int port;
	char url[64];
};

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

tu_devserver *tu_devserver_start(const char *db_path, const char *const *extra_args)
{
	const char *bin = getenv("WATS_DEVSERVER");
	if (!bin || !*bin)
		fail_msg("WATS_DEVSERVER is not set (run the tests through ctest)");
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);

	const char *argv[64];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--db";
	argv[n++] = db_path ? db_path : ":memory:";
	argv[n++] = "--token";
	argv[n++] = TOKEN;
	argv[n++] = "--ready-fd";
	argv[n++] = "3";
	for (int i = 0; extra_args && extra_args[i] && n < 62; i++)
		argv[n++] = extra_args[i];
	argv[n] = NULL;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* If the test dies without tu_devserver_stop (a failed assertion, a crash), the
		 * server must not outlive it: an orphan would keep ctest's output pipe open and
		 * hang the whole run. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(127);
		/* fd 3 = write end of the pipe (dup2 clears O_CLOEXEC); stdout to stderr so the
		 * server's banner does not mix with a test's own output. */
		dup2(p[1], 3);
		dup2(2, 1);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);

	char line[256];
	size_t len = 0;
	long deadline = now_ms() + START_TIMEOUT_MS;
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		long left = deadline - now_ms();
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int rc = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		ssize_t r = read(p[0], line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(p[0]);
	line[len] = '\0';
	int port = 0;
	if (sscanf(line, "READY http://127.0.0.1:%d", &port) != 1 || port <= 0) {
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		fail_msg("wats-devserver did not become ready (got '%s'; exit %d)", line,
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	tu_devserver *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->pid = pid;
	s->port = port;
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", port);
	return s;
}

const char *tu_devserver_url(const tu_devserver *s)
{
	return s->url;
}

const char *tu_devserver_token(const tu_devserver *s)
{
	(void)s;
	return TOKEN;
}

int tu_devserver_port(const tu_devserver *s)
{
	return s->port;
}

pid_t tu_devserver_pid(const tu_devserver *s)
{
	return s->pid;
}

/* Wait for the child with a time limit; returns its wait status, or -1 on timeout. */
static int reap(pid_t pid, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() > deadline)
			return -1;
		struct timespec t = { 0, 10 * 1000000L };
		nanosleep(&t, NULL);
	}
}

void tu_devserver_stop(tu_devserver *s)
{
	if (!s)
		return;
	pid_t pid = s->pid;
	free(s);
	kill(pid, SIGTERM);
	int st = reap(pid, 10000);
	if (st == -1) {
		kill(pid, SIGKILL);
		reap(pid, 5000);
		fail_msg("wats-devserver did not stop within 10 s of SIGTERM");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("wats-devserver ended badly: %s %d (a crash, a sanitizer report or a leak: "
			 "see its stderr above)", WIFEXITED(st) ? "exit status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

void tu_devserver_kill(tu_devserver *s)
{
	if (!s)
		return;
	kill(s->pid, SIGKILL);
	reap(s->pid, 10000);
	free(s);
}
