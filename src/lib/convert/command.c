/* External-command converters: fork/exec with a wall-clock timeout (SIGKILL of the process
 * group), RLIMIT_AS, a stdout size limit and stderr kept in the conversion log. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert_internal.h"
#include "convert/wsjf_split.h"

#define STDERR_KEEP (64 * 1024)

typedef struct command {
	char **argv;
	int argc;
	double confidence;
	int timeout_ms;
	size_t max_memory, max_output;
} command;

static void command_free(void *impl)
{
	command *cmd = impl;
	if (!cmd)
		return;
	for (int i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	free(cmd);
}

static double command_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			     size_t len, char *sn, char *pn, size_t size)
{
	(void)head, (void)len, (void)sn, (void)pn, (void)size;
	const command *cmd = cv->impl;
	return cv->patterns && wats__name_matches(name, cv->patterns) ? cmd->confidence : 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

typedef struct emit_ctx {
	wats__cctx *c;
} emit_ctx;

static int one_object(void *ud, const char *text, size_t len, long line)
{
	emit_ctx *e = ud;
	wats_report *r;
	wats_parse_options po = WATS_PARSE_OPTIONS_INIT;
	int rc = wats_report_parse(&r, text, len, &po);
	if (rc < 0)
		return wats__cctx_error(e->c, rc, line, 0, "the command's output is not WSJF: %s",
					wats_error_last()->message);
	if ((rc = wats__cctx_ensure_id(e->c, r)) < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(e->c, r);
}

static int command_convert(const wats_converter *cv, wats__cctx *c)
{
	const command *cmd = cv->impl;
	/* The command reads a file: a buffer input is spooled to a temporary one. */
	char tmp[] = "/tmp/wats-convert-XXXXXX";
	const char *input = c->name;
	int tmpfd = -1;
	if (c->data) {
		tmpfd = mkstemp(tmp);
		if (tmpfd < 0)
			return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "cannot create a temporary file: %s",
					   strerror(errno));
		size_t off = 0;
		while (off < c->len) {
			ssize_t w = write(tmpfd, c->data + off, c->len - off);
			if (w <= 0 && errno != EINTR) {
				close(tmpfd);
				unlink(tmp);
				return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "cannot write %s", tmp);
			}
			if (w > 0)
				off += (size_t)w;
		}
		close(tmpfd);
		input = tmp;
	}
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		if (c->data)
			unlink(tmp);
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "pipe: %s", strerror(errno));
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]), close(out[1]);
		if (c->data)
			unlink(tmp);
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "pipe: %s", strerror(errno));
	}
	char **argv = calloc((size_t)cmd->argc + 2, sizeof(char *));
	if (!argv) {
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		if (c->data)
			unlink(tmp);
		return wats__error_oom();
	}
	for (int i = 0; i < cmd->argc; i++)
		argv[i] = cmd->argv[i];
	argv[cmd->argc] = (char *)input;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		struct rlimit rl = { cmd->max_memory, cmd->max_memory };
		setrlimit(RLIMIT_AS, &rl);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(argv);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]), close(err[0]);
		if (c->data)
			unlink(tmp);
		return wats__error(WATS_EIO, WATS_ERRCLASS_OS, "fork: %s", strerror(errno));
	}
	wats_buf ob = WATS_BUF_INIT, eb = WATS_BUF_INIT;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = 0, open_fds = 2, killed = 0;
	struct pollfd pf[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	char buf[65536];
	while (open_fds > 0) {
		long left = cmd->timeout_ms - ms_since(&t0);
		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = 1;
			rc = wats__cctx_error(c, WATS_ETIMEOUT, 0, 0, "command %s did not finish within %d ms; killed",
					      cmd->argv[0], cmd->timeout_ms);
			break;
		}
		int n = poll(pf, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(pf[i].fd, buf, sizeof(buf));
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (ob.len + (size_t)r > cmd->max_output) {
					kill(-pid, SIGKILL);
					killed = 1;
					rc = wats__cctx_error(c, WATS_ELIMIT, 0, 0, "command %s wrote more than %zu "
							      "bytes on stdout; killed", cmd->argv[0], cmd->max_output);
					open_fds = 0;
					break;
				}
				if (wats__buf_put(&ob, buf, (size_t)r) < 0) {
					rc = wats__error_oom();
					kill(-pid, SIGKILL);
					killed = 1;
					open_fds = 0;
					break;
				}
			} else if (eb.len < STDERR_KEEP) {
				size_t keep = STDERR_KEEP - eb.len < (size_t)r ? STDERR_KEEP - eb.len : (size_t)r;
				wats__buf_put(&eb, buf, keep);
			}
		}
	}
	close(out[0]);
	close(err[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (c->data)
		unlink(tmp);
	wats__log_set_stderr(c->log, eb.ptr ? eb.ptr : "", eb.len);
	if (!rc && !killed) {
		if (WIFSIGNALED(status))
			rc = wats__cctx_error(c, WATS_ERROR, 0, 0, "command %s died from signal %d%s",
					      cmd->argv[0], WTERMSIG(status),
					      WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGABRT
						      ? " (memory limit?)" : "");
		else if (WEXITSTATUS(status) != 0)
			rc = wats__cctx_error(c, WATS_EPARSE, 0, 0, "command %s failed with exit status %d%s%.200s",
					      cmd->argv[0], WEXITSTATUS(status), eb.len ? ": " : "",
					      eb.ptr ? eb.ptr : "");
		else {
			emit_ctx e = { c };
			rc = wats__json_split(ob.ptr ? ob.ptr : "", ob.len, one_object, &e, c);
		}
	}
	wats__buf_dispose(&ob);
	wats__buf_dispose(&eb);
	return rc;
}

int wats__command_new(wats_converter **out, const wats_command_options *o)
{
	if (o->version != WATS_COMMAND_OPTIONS_VERSION || !o->name || !*o->name || !o->argv || !o->argv[0])
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "command converter: version, name and argv[0] are required");
	wats_converter *cv = calloc(1, sizeof(*cv));
	command *cmd = calloc(1, sizeof(*cmd));
	if (!cv || !cmd) {
		free(cv), free(cmd);
		return wats__error_oom();
	}
	while (o->argv[cmd->argc])
		cmd->argc++;
	cmd->argv = calloc((size_t)cmd->argc + 1, sizeof(char *));
	for (int i = 0; cmd->argv && i < cmd->argc; i++)
		cmd->argv[i] = strdup(o->argv[i]);
	cmd->confidence = o->confidence > 0 ? o->confidence : 0.5;
	cmd->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	cmd->max_memory = o->max_memory ? o->max_memory : (size_t)1 << 30;
	cmd->max_output = o->max_output ? o->max_output : (size_t)256 << 20;
	cv->name = strdup(o->name);
	cv->description = strdup("external command");
	cv->patterns = o->patterns ? strdup(o->patterns) : NULL;
	cv->detect = command_detect;
	cv->convert = command_convert;
	cv->impl = cmd;
	cv->free_impl = command_free;
	if (!cmd->argv || !cv->name || !cv->description) {
		command_free(cmd);
		free(cv->name), free(cv->description), free(cv->patterns), free(cv);
		return wats__error_oom();
	}
	*out = cv;
	return 0;
}
