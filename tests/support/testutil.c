#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		fail_msg("environment variable %s is not set (run the tests through ctest)", name);
	return v;
}

const char *tu_fixture(const char *rel)
{
	static _Thread_local char path[4096];
	snprintf(path, sizeof(path), "%s/%s", env_or_fail("WATS_FIXTURES"), rel);
	return path;
}

const char *tu_data(const char *rel)
{
	static _Thread_local char path[4096];
	snprintf(path, sizeof(path), "%s/%s", env_or_fail("WATS_TEST_DATA"), rel);
	return path;
}

const char *tu_cli(void)
{
	return env_or_fail("WATS_CLI");
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	assert_non_null(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/wats-test-XXXXXX", base && *base ? base : "/tmp");
	char *p = mkdtemp(tmpl);
	if (!p)
		fail_msg("mkdtemp: %s", strerror(errno));
	return strdup(p);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void drain(int fd, char **dst, size_t *len, size_t *cap)
{
	if (*cap - *len < 4096) {
		*cap = *cap * 2 + 4096;
		*dst = realloc(*dst, *cap + 1);
	}
	ssize_t n = read(fd, *dst + *len, *cap - *len);
	if (n > 0)
		*len += (size_t)n;
}

int tu_run(char *const argv[], char **out, char **err)
{
	int po[2], pe[2];
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	char *ob = NULL, *eb = NULL;
	size_t ol = 0, oc = 0, el = 0, ec = 0;
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			size_t before = i ? el : ol;
			if (i)
				drain(fds[i].fd, &eb, &el, &ec);
			else
				drain(fds[i].fd, &ob, &ol, &oc);
			if ((i ? el : ol) == before) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!ob)
		ob = calloc(1, 1);
	else
		ob[ol] = '\0';
	if (!eb)
		eb = calloc(1, 1);
	else
		eb[el] = '\0';
	if (out)
		*out = ob;
	else
		free(ob);
	if (err)
		*err = eb;
	else
		free(eb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tu_convert_csv(size_t *count, wats_converters *reg, const char *path, const char *map,
		   int derive_ids, wats_report_cb cb, void *payload)
{
	char mp[4200];
	snprintf(mp, sizeof(mp), "mapping=%s", map);
	const char *params[] = { mp, NULL };
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = "csv";
	o.params = params;
	if (derive_ids)
		o.flags = WATS_CONVERT_DERIVE_IDS;
	return wats_convert_file(count, reg, path, &o, cb, payload);
}
