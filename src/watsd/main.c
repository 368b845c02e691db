/*
 * watsd: the station client service. Watches folders, converts result files, commits every
 * report to the persistent queue before touching the source file, and uploads the queue.
 *
 *   watsd --instance NAME        config from the instance's default path (docs/watsd.md)
 *   watsd --config FILE          an explicit config file
 *   watsd --check ...            load and validate the config, print the result, exit
 *
 * Exit status: 0 clean stop, 1 runtime failure at start (queue, lock, server options),
 * 2 usage or config error, 3 stopped at once (second signal or grace deadline: what was in
 * flight is retried at the next start).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "watsd.h"

int watsd_test_hooks;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: watsd (--instance NAME | --config FILE) [--check] [--ready-fd N]\n"
		"\n"
		"  --instance NAME  run the instance NAME (config: $WATSD_CONFIG_DIR/NAME.json, or\n"
		"                   ~/.config/watsd/NAME.json, or /etc/watsd/NAME.json as root)\n"
		"  --config FILE    run with this config file\n"
		"  --check          validate the config and exit (0 valid, 2 invalid)\n"
		"  --ready-fd N     write \"READY\\n\" to file descriptor N once running\n"
		"  --test-hooks     tests only: read the WATSD_TEST_* variables (docs/watsd.md)\n"
		"  --version, --help\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop (a second one stops at once), SIGHUP reloads the config.\n"
		"See man watsd.\n");
}

/* sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memcpy(a.sun_path, path, strlen(path));
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&a, len);
	close(fd);
}

static int lock_instance(const watsd_config *cfg)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/watsd.lock", cfg->state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "watsd: cannot open the lock file %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "watsd: instance %s is already running (pid %s, lock %s)\n", cfg->instance,
			pid[0] ? pid : "?", path);
		close(fd);
		return -1;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		fprintf(stderr, "watsd: cannot write the pid to %s\n", path);
	return fd; /* held until exit */
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Memory (docs/PERFORMANCE.md, watsd). At most 2 malloc arenas: glibc would give each of the
 * busy worker threads its own (each keeping freed memory), and watsd's threads spend their time
 * in I/O, not in malloc. SQLite's memory (page caches of the queue's connections) is held
 * under a soft limit: the queue's pages are in the OS page cache anyway. */
#define WATSD_MALLOC_ARENAS 2
#define WATSD_SQLITE_SOFT_HEAP (1024 * 1024)
/* After this long without files or uploads, give freed heap memory back to the system (once:
 * malloc_trim; a burst of files leaves most of the heap free but not returned). */
#define WATSD_TRIM_IDLE_MS 5000

int main(int argc, char **argv)
{
	mallopt(M_ARENA_MAX, WATSD_MALLOC_ARENAS);
	const char *instance = NULL, *config = NULL;
	int check = 0, ready_fd = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			instance = argv[++i];
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--ready-fd") && i + 1 < argc)
			ready_fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--check"))
			check = 1;
		else if (!strcmp(argv[i], "--test-hooks"))
			watsd_test_hooks = 1;
		else if (!strcmp(argv[i], "--version")) {
			printf("watsd %s\n", wats_version());
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "watsd: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	char pathbuf[4096];
	if (!config) {
		if (!instance) {
			usage(stderr);
			return 2;
		}
		if (!watsd_instance_name_ok(instance)) {
			fprintf(stderr, "watsd: instance name \"%s\" must be 1..64 of A-Z a-z 0-9 _ -\n", instance);
			return 2;
		}
		if (watsd_config_default_path(pathbuf, sizeof(pathbuf), instance))
			return 2;
		config = pathbuf;
	}
	/* On the heap: a reload replaces it (reload.c frees replaced configs). */
	watsd_config *cfgp = calloc(1, sizeof(*cfgp));
	char err[1024];
	if (!cfgp || watsd_config_load(cfgp, config, err, sizeof(err))) {
		fprintf(stderr, "watsd: %s\n", cfgp ? err : "out of memory");
		free(cfgp);
		return 2;
	}
	/* Used until the main loop starts; after it only through d (a reload replaces it). */
	const watsd_config *cfg = cfgp;
	if (instance && strcmp(instance, cfgp->instance)) {
		free(cfgp->instance);
		cfgp->instance = strdup(instance);
	}
	if (check) {
		printf("%s: valid (instance %s, %zu watch folder%s, state in %s)\n", cfg->file, cfg->instance,
		       cfg->nwatches, cfg->nwatches == 1 ? "" : "s", cfg->state_dir);
		watsd_config_free(cfgp);
		free(cfgp);
		return 0;
	}
	if (watsd_log_open(cfg, err, sizeof(err))) {
		fprintf(stderr, "watsd: %s\n", err);
		watsd_config_free(cfgp);
		free(cfgp);
		return 2;
	}
	if (mkdir_p(cfg->state_dir)) {
		watsd_log(WATS_LOG_CRITICAL, NULL, "cannot create the state folder %s: %s", cfg->state_dir,
			  strerror(errno));
		return 1;
	}
	int lockfd = lock_instance(cfg);
	if (lockfd < 0)
		return 1;

	/* Signals: blocked everywhere, taken by this thread with sigtimedwait. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit (RLIMIT_FSIZE) must give EFBIG on the write, which the queue reports
	 * as an error (the file stays and is retried), not kill the service. */
	signal(SIGXFSZ, SIG_IGN);

	sqlite3_soft_heap_limit64(WATSD_SQLITE_SOFT_HEAP);
	watsd d = { .cfg = cfgp }; /* not { 0 }: the first member is an atomic pointer */
	d.started_ms = watsd_wall_ms();
	char qpath[4200];
	snprintf(qpath, sizeof(qpath), "%s/queue.db", cfg->state_dir);
	wats_queue_options qo;
	watsd_queue_options(&qo, cfg);
	size_t recovered = 0;
	if (wats_queue_open(&d.queue, &recovered, qpath, &qo)) {
		watsd_log(WATS_LOG_CRITICAL, NULL, "%s", wats_error_last()->message);
		return 1;
	}
	wats_client_options co;
	watsd_client_options(&co, cfg);
	if (wats_client_new(&d.client, &co)) {
		watsd_log(WATS_LOG_CRITICAL, NULL, "server options: %s", wats_error_last()->message);
		return 1;
	}
	if (wats_converters_new(&d.converters)) {
		watsd_log(WATS_LOG_CRITICAL, NULL, "converters: %s", wats_error_last()->message);
		return 1;
	}
	wats_queue_counts qc;
	wats_queue_count(&qc, d.queue);
	watsd_log(WATS_LOG_INFO, NULL,
		  "watsd %s instance %s started: server %s, %zu watch folder%s, queue %s (%llu waiting, "
		  "%zu recovered from an interrupted transfer), %d converter and %d upload workers",
		  wats_version(), cfg->instance, wats_client_base_url(d.client), cfg->nwatches,
		  cfg->nwatches == 1 ? "" : "s", qpath, (unsigned long long)qc.unsent_items, recovered,
		  cfg->convert_workers, cfg->upload_workers);
	watsd_control_open(&d); /* without it watsd still runs; the error is logged */
	if (watsd_pipeline_start(&d)) {
		watsd_log(WATS_LOG_CRITICAL, NULL, "cannot start the worker threads");
		return 1;
	}
	watsd_http_start(&d); /* without it watsd still runs; the error is logged */
	if (ready_fd >= 0) {
		(void)write(ready_fd, "READY\n", 6);
		close(ready_fd);
	}
	notify("READY=1\nSTATUS=running");

	/* Run until a stop signal; ping the systemd watchdog at half its period. */
	int64_t wd_us = getenv("WATCHDOG_USEC") ? atoll(getenv("WATCHDOG_USEC")) : 0;
	int64_t next_ping = watsd_mono_ms();
	int sig = 0;
	int next_ms = 500;
	unsigned long long last_act = 0;
	int64_t last_act_ms = watsd_mono_ms();
	int trimmed = 0;
	for (;;) {
		/* The supervisor runs here: restarts dead worker threads when their backoff passed. */
		struct timespec ts = { next_ms / 1000, (long)(next_ms % 1000) * 1000000L };
		sig = sigtimedwait(&set, NULL, &ts);
		next_ms = watsd_pipeline_supervise(&d);
		/* Failed uploads do not count: a server away for hours must not keep a burst's
		 * freed memory (fragmented heap) resident. */
		unsigned long long act = atomic_load(&d.stats.files_seen) +
					 atomic_load(&d.stats.reports_queued) +
					 atomic_load(&d.stats.reports_sent);
		if (act != last_act) {
			last_act = act;
			last_act_ms = watsd_mono_ms();
			trimmed = 0;
		} else if (!trimmed && watsd_mono_ms() - last_act_ms >= WATSD_TRIM_IDLE_MS) {
			malloc_trim(0);
			trimmed = 1;
		}
		if (wd_us > 0 && watsd_mono_ms() >= next_ping) {
			notify("WATCHDOG=1");
			next_ping = watsd_mono_ms() + wd_us / 2000;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			/* reload.c logs what changed, what needs a restart, or why the file was refused. */
			char rerr[1024], restart[512];
			watsd_log(WATS_LOG_INFO, NULL, "SIGHUP: reloading the config");
			char rl[64];
			struct timespec mt;
			clock_gettime(CLOCK_MONOTONIC, &mt);
			snprintf(rl, sizeof(rl), "RELOADING=1\nMONOTONIC_USEC=%llu",
				 (unsigned long long)mt.tv_sec * 1000000ull + (unsigned long long)mt.tv_nsec / 1000);
			notify(rl);
			watsd_reload(&d, rerr, sizeof(rerr), restart, sizeof(restart));
			notify("READY=1");
		}
	}

	/* Phase 1: stop taking files; let what is in flight finish within the grace time. */
	watsd_config *now_cfg = watsd_cfg_acquire(&d);
	int grace_ms = now_cfg->shutdown_grace_ms; /* may have been reloaded */
	watsd_cfg_release(&d, now_cfg);
	watsd_log(WATS_LOG_INFO, NULL, "%s: stopping (finishing work in flight, up to %d ms; a second "
		  "signal stops at once)", strsignal(sig), grace_ms);
	notify("STOPPING=1");
	watsd_pipeline_stop(&d);
	int64_t deadline = watsd_mono_ms() + grace_ms;
	int forced = 0;
	for (;;) {
		if (watsd_pipeline_wait(&d, watsd_mono_ms() + 100) == 0)
			break;
		struct timespec ts = { 0, 0 };
		int s2 = sigtimedwait(&set, NULL, &ts);
		if (s2 == SIGTERM || s2 == SIGINT || watsd_mono_ms() >= deadline) {
			forced = 1;
			break;
		}
	}
	if (forced) {
		/* Phase 2: stop now. Items in transfer stay 'transferring' in the queue and go back
		 * to 'queued' at the next start; files not yet queued are still in the watch folder. */
		watsd_log(WATS_LOG_WARNING, NULL, "stopping at once; work in flight is retried at the "
			  "next start");
		_exit(3);
	}
	watsd_http_stop();
	wats_queue_count(&qc, d.queue);
	watsd_log(WATS_LOG_INFO, NULL, "stopped: %llu files converted, %llu reports sent this run, "
		  "%llu waiting in the queue",
		  (unsigned long long)atomic_load(&d.stats.files_converted),
		  (unsigned long long)atomic_load(&d.stats.reports_sent),
		  (unsigned long long)qc.unsent_items);
	watsd_pipeline_free(&d);
	wats_converters_free(d.converters);
	wats_client_free(d.client);
	wats_queue_close(d.queue);
	watsd_log_close();
	watsd_cfg_free_all(&d);
	close(lockfd);
	return 0;
}
