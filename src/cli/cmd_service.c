/*
 * wats service: a systemd unit for a watsd instance (docs/watsd.md, "wats service").
 *
 *   wats service install   [--user] [--instance NAME] [--config FILE] [--unit-dir DIR]
 *                          [--watsd PATH] [--dry-run]
 *   wats service uninstall [--user] [--instance NAME] [--unit-dir DIR]
 *   wats service start|stop|restart|reload|status [--user] [--instance NAME]
 *   wats service logs      [--user] [--instance NAME] [-- JOURNALCTL-ARGS...]
 *
 * The unit is watsd-NAME.service in /etc/systemd/system (or ~/.config/systemd/user with
 * --user); it runs `watsd --instance NAME` as Type=notify with the watchdog, since watsd sends
 * READY=1 and WATCHDOG=1 itself (src/watsd/main.c). The instance's config is loaded with
 * watsd's own loader, so the unit can grant write access (ReadWritePaths=) to exactly its
 * state, watch, done/error and log folders under ProtectSystem=strict.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "watsd.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: wats service install [--user] [--instance NAME] [--config FILE] [--unit-dir DIR]\n"
		"                            [--watsd PATH] [--dry-run]\n"
		"       wats service uninstall [--user] [--instance NAME] [--unit-dir DIR]\n"
		"       wats service start|stop|restart|reload|status [--user] [--instance NAME]\n"
		"       wats service logs [--user] [--instance NAME] [-- JOURNALCTL-ARGS...]\n"
		"NAME defaults to \"default\"; the unit is watsd-NAME.service.\n");
	return WATS_EXIT_USAGE;
}

/* A growing string. */
typedef struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

/* One word for a unit file: % doubled (specifiers); double-quoted, with \ " escaped, when it
 * has a blank, a quote or a backslash. */
static void sb_word(sbuf *b, const char *w)
{
	int q = strpbrk(w, " \t\"'\\") != NULL;
	if (q)
		sb_add(b, "\"");
	for (const char *p = w; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_add(b, "\\%c", *p);
		else if (*p == '%')
			sb_add(b, "%%%%");
		else
			sb_add(b, "%c", *p);
	}
	if (q)
		sb_add(b, "\"");
}

/* Find PROG in $PATH: 0 and the path in out, or -1. */
static int find_in_path(char *out, size_t size, const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		return -1;
	char *copy = strdup(path);
	if (!copy)
		return -1;
	int found = -1;
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		int n = snprintf(out, size, "%s/%s", d, prog);
		if (n > 0 && (size_t)n < size && access(out, X_OK) == 0) {
			found = 0;
			break;
		}
	}
	free(copy);
	return found;
}

/* watsd next to this wats (installed: same bin folder; build tree: ../watsd/watsd), else on
 * $PATH. */
static int find_watsd(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			const char *cand[] = { "%s/watsd", "%s/../watsd/watsd" };
			for (size_t i = 0; i < 2; i++) {
				char p[PATH_MAX + 32];
				snprintf(p, sizeof(p), cand[i], self);
				if (access(p, X_OK) == 0 && realpath(p, out) && strlen(out) < size)
					return 0;
			}
		}
	}
	char p[PATH_MAX];
	if (find_in_path(p, sizeof(p), "watsd") == 0 && realpath(p, out) && strlen(out) < size)
		return 0;
	return -1;
}

typedef struct opts {
	const char *verb;
	const char *instance;
	const char *config;
	const char *unit_dir;
	const char *watsd;
	int user, dry_run;
	char **rest; /* after "--" (logs) */
	int nrest;
} opts;

static void unit_name(char *out, size_t size, const char *instance)
{
	snprintf(out, size, "watsd-%s.service", instance);
}

static int unit_dir(char *out, size_t size, const opts *o)
{
	if (o->unit_dir)
		return snprintf(out, size, "%s", o->unit_dir) < (int)size ? 0 : -1;
	if (!o->user)
		return snprintf(out, size, "/etc/systemd/system") < (int)size ? 0 : -1;
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && *x)
		snprintf(out, size, "%s/systemd/user", x);
	else if (home && *home)
		snprintf(out, size, "%s/.config/systemd/user", home);
	else {
		fprintf(stderr, "wats service: HOME is not set (needed for --user)\n");
		return -1;
	}
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/* Add a ReadWritePaths= line for path unless already covered by one given before (same or a
 * parent folder). A missing folder gets the "-" prefix (systemd ignores it) and a warning,
 * since a folder created later would be read-only under ProtectSystem=strict. */
static void rw_path(sbuf *b, const char **seen, size_t *nseen, const char *path)
{
	if (!path || !*path)
		return;
	for (size_t i = 0; i < *nseen; i++) {
		size_t n = strlen(seen[i]);
		if (!strncmp(path, seen[i], n) && (path[n] == '\0' || path[n] == '/'))
			return;
	}
	seen[(*nseen)++] = path;
	struct stat st;
	int missing = stat(path, &st) != 0;
	if (missing)
		fprintf(stderr, "wats service: warning: %s does not exist yet; create it before starting "
			"the service (the unit cannot make it writable later)\n", path);
	sb_add(b, "ReadWritePaths=%s", missing ? "-" : "");
	sb_word(b, path);
	sb_add(b, "\n");
}

static char *parent_dir(const char *file)
{
	char *s = strdup(file);
	if (!s)
		return NULL;
	char *slash = strrchr(s, '/');
	if (slash && slash != s)
		*slash = '\0';
	return s;
}

static char *make_unit(const opts *o, const watsd_config *cfg, const char *watsd_path)
{
	sbuf b = { 0 };
	sb_add(&b, "# Written by `wats service install%s --instance %s`; `wats service uninstall` "
		   "removes it.\n", o->user ? " --user" : "", o->instance);
	sb_add(&b, "[Unit]\nDescription=WATS station client (watsd instance %s)\n", o->instance);
	sb_add(&b, "Documentation=man:watsd(1) man:wats(1)\n");
	sb_add(&b, "Wants=network-online.target\nAfter=network-online.target\n\n");
	sb_add(&b, "[Service]\nType=notify\nNotifyAccess=main\n");
	sb_add(&b, "ExecStart=");
	sb_word(&b, watsd_path);
	sb_add(&b, " --instance ");
	sb_word(&b, o->instance);
	if (o->config) {
		sb_add(&b, " --config ");
		sb_word(&b, cfg->file);
	}
	sb_add(&b, "\n");
	const char *cdir = getenv("WATSD_CONFIG_DIR");
	if (cdir && *cdir && !o->config) {
		sb_add(&b, "Environment=");
		char env[PATH_MAX + 32];
		snprintf(env, sizeof(env), "WATSD_CONFIG_DIR=%s", cdir);
		sb_word(&b, env);
		sb_add(&b, "\n");
	}
	/* systemctl reload: watsd reads its config again on SIGHUP (docs/watsd.md, Reload). */
	sb_add(&b, "ExecReload=/bin/kill -HUP $MAINPID\n");
	/* watsd pings at half the period; a hung main loop is killed and restarted. */
	sb_add(&b, "WatchdogSec=30s\nRestart=on-failure\nRestartSec=2s\n");
	/* 2 = usage or config error: restarting does not help. 3 = stopped at once after a stop
	 * request (second signal or grace deadline): work in flight is retried at the next start. */
	sb_add(&b, "RestartPreventExitStatus=2\nSuccessExitStatus=3\n");
	sb_add(&b, "TimeoutStopSec=%d\n", cfg->shutdown_grace_ms / 1000 + 10);
	sb_add(&b, "\n# Hardening\nNoNewPrivileges=yes\n");
	if (!o->user) {
		sb_add(&b, "ProtectSystem=strict\nPrivateTmp=yes\nPrivateDevices=yes\n"
			   "ProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\n"
			   "ProtectControlGroups=yes\nProtectClock=yes\nProtectHostname=yes\n"
			   "RestrictSUIDSGID=yes\nRestrictRealtime=yes\nRestrictNamespaces=yes\n"
			   "LockPersonality=yes\nMemoryDenyWriteExecute=yes\n"
			   "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
			   "SystemCallArchitectures=native\nUMask=0077\n");
	} else {
		/* Most sandboxing needs unprivileged user namespaces in a user manager; without them
		 * the service would not start at all. Only the options that always work here. */
		sb_add(&b, "# (user unit: ProtectSystem= and friends need unprivileged user namespaces, "
			   "left out)\nRestrictSUIDSGID=yes\nLockPersonality=yes\nUMask=0077\n");
	}
	const char *seen[64];
	size_t nseen = 0;
	char *logdir = NULL;
	if (!o->user) {
		rw_path(&b, seen, &nseen, cfg->state_dir);
		for (size_t i = 0; i < cfg->nwatches && nseen + 3 < 60; i++) {
			rw_path(&b, seen, &nseen, cfg->watches[i].path);
			if (cfg->watches[i].done_dir)
				rw_path(&b, seen, &nseen, cfg->watches[i].done_dir);
			if (cfg->watches[i].error_dir)
				rw_path(&b, seen, &nseen, cfg->watches[i].error_dir);
		}
		if (cfg->log_file && *cfg->log_file && nseen < 63) {
			logdir = parent_dir(cfg->log_file);
			rw_path(&b, seen, &nseen, logdir);
		}
	}
	sb_add(&b, "\n[Install]\nWantedBy=%s\n", o->user ? "default.target" : "multi-user.target");
	free(logdir);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static int run_wait(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int need_tool(char *out, size_t size, const char *tool)
{
	if (find_in_path(out, size, tool) == 0)
		return 0;
	fprintf(stderr, "wats service: %s not found in PATH: systemd does not seem to be installed "
		"on this machine (the unit can still be written with `wats service install "
		"--unit-dir DIR`)\n", tool);
	return -1;
}

/* After install/uninstall into the real unit folder: systemctl daemon-reload, if there. */
static void daemon_reload(const opts *o)
{
	char sc[PATH_MAX];
	if (o->unit_dir || find_in_path(sc, sizeof(sc), "systemctl"))
		return;
	char *argv[] = { sc, o->user ? "--user" : "daemon-reload", o->user ? "daemon-reload" : NULL,
			 NULL };
	if (run_wait(argv) != 0)
		fprintf(stderr, "wats service: `systemctl%s daemon-reload` failed\n",
			o->user ? " --user" : "");
}

static int install(const opts *o)
{
	char cfgpath[PATH_MAX];
	const char *cp = o->config;
	if (!cp) {
		if (watsd_config_default_path(cfgpath, sizeof(cfgpath), o->instance))
			return WATS_EXIT_USAGE;
		cp = cfgpath;
	}
	watsd_config cfg;
	char err[1024];
	if (watsd_config_load(&cfg, cp, err, sizeof(err))) {
		fprintf(stderr, "wats service: %s\n(create it with `wats config init --instance %s`)\n",
			err, o->instance);
		return WATS_EXIT_NEGATIVE;
	}
	if (!o->dry_run) {
		/* watsd creates them too, but under ProtectSystem=strict a folder missing at start
		 * cannot be made writable. */
		(void)mkdir_p(cfg.state_dir, 0700);
		if (cfg.log_file && *cfg.log_file) {
			char *ld = parent_dir(cfg.log_file);
			if (ld)
				(void)mkdir_p(ld, 0700);
			free(ld);
		}
	}
	char wpath[PATH_MAX];
	if (o->watsd) {
		if (!realpath(o->watsd, wpath) || access(wpath, X_OK) != 0) {
			fprintf(stderr, "wats service: --watsd %s: not an executable file\n", o->watsd);
			watsd_config_free(&cfg);
			return WATS_EXIT_USAGE;
		}
	} else if (find_watsd(wpath, sizeof(wpath))) {
		fprintf(stderr, "wats service: watsd not found next to wats or in PATH (give --watsd PATH)\n");
		watsd_config_free(&cfg);
		return WATS_EXIT_INPUT;
	}
	char *unit = make_unit(o, &cfg, wpath);
	watsd_config_free(&cfg);
	if (!unit) {
		fprintf(stderr, "wats service: out of memory\n");
		return WATS_EXIT_INTERNAL;
	}
	if (o->dry_run) {
		fputs(unit, stdout);
		free(unit);
		return WATS_EXIT_OK;
	}
	char dir[PATH_MAX], name[160], path[PATH_MAX + 200], tmp[PATH_MAX + 220];
	if (unit_dir(dir, sizeof(dir), o)) {
		free(unit);
		return WATS_EXIT_USAGE;
	}
	unit_name(name, sizeof(name), o->instance);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* Idempotent: the same content again is left alone. */
	FILE *old = fopen(path, "r");
	if (old) {
		size_t ulen = strlen(unit);
		char *buf = malloc(ulen + 2);
		size_t n = buf ? fread(buf, 1, ulen + 1, old) : 0;
		fclose(old);
		int same = buf && n == ulen && !memcmp(buf, unit, ulen);
		free(buf);
		if (same) {
			printf("%s: unchanged\n", path);
			free(unit);
			return WATS_EXIT_OK;
		}
	}
	if (mkdir_p(dir, 0755)) {
		fprintf(stderr, "wats service: cannot create %s: %s\n", dir, strerror(errno));
		free(unit);
		return WATS_EXIT_INPUT;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ok = f && fputs(unit, f) >= 0;
	if (f && fclose(f) != 0)
		ok = 0;
	free(unit);
	if (!ok || chmod(tmp, 0644) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "wats service: cannot write %s: %s%s\n", path, strerror(errno),
			errno == EACCES && !o->user ? " (run as root, or use --user)" : "");
		unlink(tmp);
		return WATS_EXIT_INPUT;
	}
	printf("%s: written\n", path);
	daemon_reload(o);
	printf("start it with: systemctl%s enable --now %s\n", o->user ? " --user" : "", name);
	return WATS_EXIT_OK;
}

static int uninstall(const opts *o)
{
	char dir[PATH_MAX], name[160], path[PATH_MAX + 200];
	if (unit_dir(dir, sizeof(dir), o))
		return WATS_EXIT_USAGE;
	unit_name(name, sizeof(name), o->instance);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("%s: not installed\n", path);
		return WATS_EXIT_OK;
	}
	char sc[PATH_MAX];
	if (!o->unit_dir && find_in_path(sc, sizeof(sc), "systemctl") == 0) {
		char *argv[6];
		int k = 0;
		argv[k++] = sc;
		if (o->user)
			argv[k++] = "--user";
		argv[k++] = "disable";
		argv[k++] = "--now";
		argv[k++] = name;
		argv[k] = NULL;
		(void)run_wait(argv); /* not enabled or not running: fine */
	}
	if (unlink(path) != 0) {
		fprintf(stderr, "wats service: cannot remove %s: %s\n", path, strerror(errno));
		return WATS_EXIT_INPUT;
	}
	printf("%s: removed\n", path);
	daemon_reload(o);
	return WATS_EXIT_OK;
}

/* start|stop|restart|reload|status|logs: exec systemctl / journalctl (their exit status is ours). */
static int control(const opts *o)
{
	int logs = !strcmp(o->verb, "logs");
	const char *tool = logs ? "journalctl" : "systemctl";
	char prog[PATH_MAX], name[160];
	if (need_tool(prog, sizeof(prog), tool))
		return WATS_EXIT_NEGATIVE;
	unit_name(name, sizeof(name), o->instance);
	char **argv = calloc((size_t)o->nrest + 8, sizeof(char *));
	if (!argv)
		return WATS_EXIT_INTERNAL;
	int k = 0;
	argv[k++] = prog;
	if (o->user)
		argv[k++] = "--user";
	if (logs) {
		argv[k++] = "-u";
		argv[k++] = name;
		for (int i = 0; i < o->nrest; i++)
			argv[k++] = o->rest[i];
	} else {
		argv[k++] = (char *)o->verb;
		if (!strcmp(o->verb, "status"))
			argv[k++] = "--no-pager";
		argv[k++] = name;
	}
	argv[k] = NULL;
	fflush(NULL);
	execv(prog, argv);
	fprintf(stderr, "wats service: cannot run %s: %s\n", prog, strerror(errno));
	free(argv);
	return WATS_EXIT_NEGATIVE;
}

int wats_cmd_service(int argc, char **argv)
{
	opts o = { .instance = "default" };
	if (argc < 2)
		return usage();
	o.verb = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--user"))
			o.user = 1;
		else if (!strcmp(a, "--dry-run"))
			o.dry_run = 1;
		else if (!strcmp(a, "--instance") && i + 1 < argc)
			o.instance = argv[++i];
		else if (!strcmp(a, "--config") && i + 1 < argc)
			o.config = argv[++i];
		else if (!strcmp(a, "--unit-dir") && i + 1 < argc)
			o.unit_dir = argv[++i];
		else if (!strcmp(a, "--watsd") && i + 1 < argc)
			o.watsd = argv[++i];
		else if (!strcmp(a, "--") && !strcmp(o.verb, "logs")) {
			o.rest = argv + i + 1;
			o.nrest = argc - i - 1;
			break;
		} else {
			fprintf(stderr, "wats service: unknown argument \"%s\"\n", a);
			return usage();
		}
	}
	if (!watsd_instance_name_ok(o.instance)) {
		fprintf(stderr, "wats service: instance name \"%s\" must be 1..64 of A-Z a-z 0-9 _ -\n",
			o.instance);
		return WATS_EXIT_USAGE;
	}
	if (!strcmp(o.verb, "install"))
		return install(&o);
	if (!strcmp(o.verb, "uninstall"))
		return uninstall(&o);
	if (!strcmp(o.verb, "start") || !strcmp(o.verb, "stop") || !strcmp(o.verb, "restart") ||
	    !strcmp(o.verb, "reload") || !strcmp(o.verb, "status") || !strcmp(o.verb, "logs"))
		return control(&o);
	fprintf(stderr, "wats service: unknown subcommand \"%s\"\n", o.verb);
	return usage();
}
