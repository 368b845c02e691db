/*
 * The converter workers and the uploaders.
 *
 * Converter worker: take the most urgent file, convert it (every report of it), commit every
 * report to the queue (save before send), then apply the folder's post action. A file that
 * fails conversion goes to the error folder with a .reason file beside it. A full queue leaves
 * the file where it is and retries it later (back-pressure: nothing is dropped).
 *
 * Report ids: a report keeps the id its source file gives it. A converter that has to invent
 * one would invent a new one every time the same file is converted again (after a crash, before
 * the post action), and the server would store it twice; so an id that does not appear in the
 * source is replaced by one derived from the file's bytes and the report's index in it.
 *
 * Uploader: claim the next due item, send it (wats_queue_send: the client's retry and breaker,
 * the queue's backoff, invalid/failed parking, 429 pause), wait when nothing is due.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd.h"

struct watsd_files *watsd__files_new(void);
struct watsd_jobs *watsd__jobs_new(void);
void watsd__files_free(struct watsd_files *t);
void watsd__jobs_free(struct watsd_jobs *j);

#define MAX_FILE (512u << 20)

/* ---------------------------------------------------------------------------------------- */
/* Files                                                                                    */

static int mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
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

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (in < 0)
		return -1;
	struct stat st;
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) { /* a FIFO would never end */
		close(in);
		errno = EINVAL;
		return -1;
	}
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	if (rc)
		unlink(to);
	return rc;
}

/* Move path into dir (created), keeping the name; "name.1", "name.2"... when taken. The
 * final name goes to out. Works across file systems (copy, fsync, unlink). */
static int move_into(char *out, size_t outlen, const char *path, const char *dir)
{
	if (mkdirs(dir, 0755))
		return -1;
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(out, outlen, "%s/%s", dir, name);
		else
			snprintf(out, outlen, "%s/%s.%d", dir, name, i);
		/* link+unlink never overwrites an existing file, unlike rename. */
		if (link(path, out) == 0)
			return unlink(path);
		if (errno == EEXIST)
			continue;
		if (errno == EXDEV || errno == EPERM || errno == ENOTSUP) {
			if (copy_file(path, out) == 0)
				return unlink(path);
			if (errno == EEXIST)
				continue;
		}
		return -1;
	}
	errno = EEXIST;
	return -1;
}

/* -1 with errno; -2 when path is not a regular file (*what names its type). O_NONBLOCK: a
 * FIFO with a watched name must not block a converter forever. */
static int read_all(char **out, size_t *len, const char *path, const char **what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*what = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
			: S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "not a file";
		return -2;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((uint64_t)st.st_size > MAX_FILE) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = malloc(cap);
	if (!b) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				close(fd);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			free(b);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static void write_reason(const char *moved_to, const char *src, const char *cid,
			 const char *converter, const char *error, const char *log)
{
	/* Written under a hidden temporary name and renamed: whoever watches the error folder
	 * (an operator's script, the tests) never reads half a reason. */
	char path[4400], tmp[4420];
	snprintf(path, sizeof(path), "%s.reason", moved_to);
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp", (int)dirlen, path, path + dirlen);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "file: %s\ntime: %s\ncorrelation_id: %s\nconverter: %s\nerror: %s\n", src, when,
		cid, converter && *converter ? converter : "-", error);
	if (log && *log)
		fprintf(f, "\nconversion log:\n%s\n", log);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

/* ---------------------------------------------------------------------------------------- */
/* Conversion                                                                               */

typedef struct out_report {
	char id[37];
	char *text;
	size_t len;
} out_report;

typedef struct conv_ctx {
	const char *data;
	size_t len;
	out_report *out;
	size_t n, cap;
	int failed;
	const char *serial_pattern; /* serial.pattern, NULL = no check */
	char serial_msg[600];        /* the first report whose serial number does not match */
} conv_ctx;

static int contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	if (!k || k > n)
		return 0;
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(hay + i, needle, k))
			return 1;
	return 0;
}

static int on_report(wats_report *r, void *payload)
{
	conv_ctx *c = payload;
	const char *id = wats_report_id(r);
	char hex[33];
	size_t k = 0;
	for (const char *p = id; p && *p && k < 32; p++)
		if (*p != '-' && *p != '{' && *p != '}')
			hex[k++] = *p;
	hex[k] = '\0';
	if (!id || !(contains_ci(c->data, c->len, id) || (k == 32 && contains_ci(c->data, c->len, hex)))) {
		char nid[37];
		wats_convert_derive_id(nid, c->data, c->len, c->n); /* libwats: two FNV-1a 64 streams */
		wats_report_set_id(r, nid);
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 4;
		out_report *no = realloc(c->out, nc * sizeof(*no));
		if (!no) {
			wats_report_free(r);
			return WATS_ENOMEM;
		}
		c->out = no;
		c->cap = nc;
	}
	if (c->serial_pattern && !c->serial_msg[0]) {
		char why[512];
		if (watsd_serial_check(c->serial_pattern, wats_report_sn(r), why, sizeof(why)) == 0)
			snprintf(c->serial_msg, sizeof(c->serial_msg), "report %s: %s", wats_report_id(r),
				 why);
	}
	out_report *o = &c->out[c->n];
	int rc = wats_report_write(&o->text, &o->len, r, 0);
	if (rc == 0) {
		snprintf(o->id, sizeof(o->id), "%s", wats_report_id(r));
		c->n++;
	}
	wats_report_free(r);
	return rc;
}

static void to_error_folder(watsd *d, const watsd_job *job, const watsd_watch *w,
			    const char *converter, const char *error, const char *log)
{
	char moved[4200];
	if (move_into(moved, sizeof(moved), job->path, w->error_dir) == 0) {
		write_reason(moved, job->path, job->cid, converter, error, log);
		watsd_logf(WATS_LOG_ERROR, job->cid,
			   (wats_log_field[]){ { "file", job->path, 0 }, { "error_file", moved, 0 } }, 2,
			   "conversion of %s failed: %s; moved to %s (reason in %s.reason)", job->path,
			   error, moved, moved);
		watsd_file_done(d, job->path, 0);
		watsd_activity_note(d->activity, WATSD_ACT_FAILED, job->path, job->cid, error);
	} else {
		watsd_logf(WATS_LOG_ERROR, job->cid, (wats_log_field[]){ { "file", job->path, 0 } }, 1,
			   "conversion of %s failed: %s; and it cannot be moved to %s: %s (left in place, "
			   "retried in 60 s)", job->path, error, w->error_dir, strerror(errno));
		watsd_file_done(d, job->path, 60000);
	}
	atomic_fetch_add(&d->stats.files_failed, 1);
}

static void post_action(watsd *d, const watsd_job *job, const watsd_watch *w)
{
	char moved[4200] = "";
	int rc = 0;
	switch (w->post) {
	case POST_LEAVE:
		watsd_file_done(d, job->path, -1);
		return;
	case POST_DELETE:
		rc = unlink(job->path) == 0 || errno == ENOENT ? 0 : -1;
		break;
	case POST_MOVE:
		rc = move_into(moved, sizeof(moved), job->path, w->done_dir);
		break;
	case POST_ARCHIVE: {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		char dir[4200];
		snprintf(dir, sizeof(dir), "%s/%04d-%02d-%02d", w->done_dir, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
		rc = move_into(moved, sizeof(moved), job->path, dir);
		break;
	}
	}
	if (rc) {
		/* The reports are safe in the queue; do not take the file again until it changes. */
		watsd_logf(WATS_LOG_ERROR, job->cid, (wats_log_field[]){ { "file", job->path, 0 } }, 1,
			   "reports of %s are queued, but its post action failed: %s; the file is left "
			   "in place", job->path, strerror(errno));
		watsd_file_done(d, job->path, -1);
		return;
	}
	watsd_file_done(d, job->path, 0);
}

const char **watsd_station_params_fill(watsd_station_params *sp, const watsd_config *cfg)
{
	const char *const names[3] = { "station", "location", "purpose" };
	const char *const values[3] = { cfg->station_name, cfg->location, cfg->purpose };
	size_t np = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!values[i] || !*values[i])
			continue;
		snprintf(sp->buf[i], sizeof(sp->buf[i]), "%s=%s", names[i], values[i]);
		sp->params[np++] = sp->buf[i];
	}
	sp->params[np] = NULL;
	return sp->params;
}

static void convert_with(watsd *d, watsd_job *job, const watsd_config *cfg,
			 const watsd_watch *w)
{
	wats_log_set_correlation_id(job->cid);
	char *data = NULL;
	size_t len = 0;
	const char *what = NULL;
	int rr = read_all(&data, &len, job->path, &what);
	if (rr == -2) {
		char msg[256];
		snprintf(msg, sizeof(msg), "not a regular file (%s); write result files as regular files",
			 what);
		to_error_folder(d, job, w, NULL, msg, NULL);
		wats_log_set_correlation_id(NULL);
		return;
	}
	if (rr != 0) {
		int e = errno;
		if (e == ENOENT) {
			watsd_log(WATS_LOG_INFO, job->cid, "%s disappeared before conversion", job->path);
			watsd_file_done(d, job->path, 0);
		} else {
			char msg[512];
			snprintf(msg, sizeof(msg), "cannot read the file: %s", strerror(e));
			to_error_folder(d, job, w, NULL, msg, NULL);
		}
		wats_log_set_correlation_id(NULL);
		return;
	}
	wats_conversion_log *log = NULL;
	wats_conversion_log_new(&log);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = strcmp(w->converter, "auto") ? w->converter : NULL;
	o.log = log;
	/* The station identity fills what a file lacks (machineName, location, purpose). */
	watsd_station_params sp;
	o.params = watsd_station_params_fill(&sp, cfg);
	conv_ctx c = { .data = data, .len = len, .serial_pattern = cfg->serial_pattern };
	char *logx = NULL; /* the log with the serial-number warning */
	size_t count = 0;
	int rc = wats_convert_buffer(&count, d->converters, job->path, data, len, &o, on_report, &c);
	char *logtext = NULL;
	size_t loglen = 0;
	wats_conversion_log_text(&logtext, &loglen, log);
	const char *conv = wats_conversion_log_converter(log);
	if (rc || c.n == 0) {
		char msg[1024];
		if (rc)
			snprintf(msg, sizeof(msg), "%s", wats_error_last()->message);
		else
			snprintf(msg, sizeof(msg), "the file holds no report");
		to_error_folder(d, job, w, conv, msg, logtext);
		goto out;
	}
	if (c.serial_msg[0] && strcmp(cfg->serial_action, "warn")) {
		to_error_folder(d, job, w, conv, c.serial_msg, logtext);
		goto out;
	}
	if (c.serial_msg[0]) {
		watsd_log(WATS_LOG_WARNING, job->cid, "%s: %s (serial.action warn: queued anyway)",
			  job->path, c.serial_msg);
		if (asprintf(&logx, "%swarning: %s\n", logtext ? logtext : "", c.serial_msg) < 0)
			logx = NULL;
	}
	for (size_t i = 0; i < c.n; i++) {
		wats_queue_entry e = WATS_QUEUE_ENTRY_INIT;
		e.id = c.out[i].id;
		e.payload = c.out[i].text;
		e.payload_len = c.out[i].len;
		e.format = WATS_WIRE_WSJF;
		e.priority = w->priority;
		e.source = job->path;
		e.correlation_id = job->cid;
		e.converter = conv;
		e.log = logx ? logx : logtext;
		rc = wats_queue_enqueue(d->queue, &e);
		if (rc == WATS_ELIMIT) {
			if (atomic_fetch_add(&d->stats.backpressure, 1) % 100 == 0)
				watsd_log(WATS_LOG_WARNING, job->cid, "%s; %s waits in the watch folder",
					  wats_error_last()->message, job->path);
			watsd_file_done(d, job->path, 1000);
			goto out;
		}
		if (rc) {
			char qe[300];
			snprintf(qe, sizeof(qe), "%s", wats_error_last()->message);
			watsd_note_enqueue(d, 0, qe);
			atomic_fetch_add(&d->stats.enqueue_failures, 1);
			watsd_log(WATS_LOG_ERROR, job->cid, "cannot queue the reports of %s: %s; the file "
				  "stays and is retried in 5 s", job->path, qe);
			watsd_file_done(d, job->path, 5000);
			goto out;
		}
		atomic_fetch_add(&d->stats.reports_queued, 1);
	}
	watsd_note_enqueue(d, 1, NULL);
	watsd_hist_add(&d->stats.convert_latency, watsd_mono_ms() - job->seen_ms);
	watsd_logf(WATS_LOG_INFO, job->cid,
		   (wats_log_field[]){ { "file", job->path, 0 }, { "converter", conv, 0 } }, 2,
		   "converted %s with %s: %zu report%s queued", job->path, conv, c.n, c.n == 1 ? "" : "s");
	atomic_fetch_add(&d->stats.files_converted, 1);
	watsd_activity_note(d->activity, WATSD_ACT_CONVERTED, job->path, job->cid, NULL);
	post_action(d, job, w);
	pthread_mutex_lock(&d->lock);
	d->up_signal = 1;
	pthread_cond_broadcast(&d->up_cv);
	pthread_mutex_unlock(&d->lock);
out:
	for (size_t i = 0; i < c.n; i++)
		wats_free(c.out[i].text);
	free(c.out);
	wats_free(logtext);
	free(logx);
	wats_conversion_log_free(log);
	free(data);
	wats_log_set_correlation_id(NULL);
}

/* With the config of now (held for the whole file: a reload cannot change it half-way), and
 * the folder's settings of now. A folder removed or disabled by a reload is not taken. */
static void convert_one(watsd *d, watsd_job *job)
{
	watsd_config *cfg = watsd_cfg_acquire(d);
	const watsd_watch *w = watsd_watch_of(cfg, job->path);
	if (w) {
		convert_with(d, job, cfg, w);
	} else {
		watsd_log(WATS_LOG_INFO, job->cid, "%s: its folder is no longer watched (config "
			  "reloaded); left in place", job->path);
		watsd_file_done(d, job->path, 0);
	}
	watsd_cfg_release(d, cfg);
}

static void *converter_thread(void *arg)
{
	watsd *d = arg;
	watsd_job *job;
	while ((job = watsd_next_job(d))) {
		convert_one(d, job);
		watsd_job_free(job);
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Upload                                                                                   */

static void up_wait(watsd *d, int64_t ms)
{
	pthread_mutex_lock(&d->lock);
	if (!d->up_signal && !atomic_load(&d->stopping))
		watsd_cond_wait_ms(&d->up_cv, &d->lock, ms);
	d->up_signal = 0;
	pthread_mutex_unlock(&d->lock);
}

/* Errors that say the server cannot be used now (as opposed to an answer about one report). */
static int server_down(int rc)
{
	return rc == WATS_ETRANSPORT || rc == WATS_ETIMEOUT || rc == WATS_EBREAKER ||
	       rc == WATS_ESERVER || rc == WATS_EAUTH || rc == WATS_EFORBIDDEN;
}

#define PROBE_MS 30000

/* Nothing to send: when no upload told us about the server for PROBE_MS, one idle uploader
 * asks it (GET /api/App/Version, through the breaker) so that readiness stays true to life. */
static void maybe_probe(watsd *d)
{
	long long due = atomic_load(&d->probe_due_ms), now = watsd_mono_ms();
	if (now < due || !atomic_compare_exchange_strong(&d->probe_due_ms, &due, now + PROBE_MS))
		return;
	char *version = NULL;
	int rc = wats_client_ping(&version, d->client);
	atomic_fetch_add(&d->stats.probes, 1);
	if (rc == 0 || !server_down(rc))
		watsd_note_server(d, 1, NULL);
	else
		watsd_note_server(d, 0, wats_error_last()->message);
	if (rc && server_down(rc)) /* try again sooner while it is away */
		atomic_store(&d->probe_due_ms, watsd_mono_ms() + 2000);
	wats_free(version);
}

static void *uploader_thread(void *arg)
{
	watsd *d = arg;
	while (!atomic_load(&d->stopping)) {
		if (atomic_load(&d->paused)) {
			up_wait(d, 500);
			continue;
		}
		wats_queue_item *it[1];
		size_t n = 0;
		int rc = wats_queue_claim(it, &n, d->queue, 1);
		if (rc) {
			watsd_log(WATS_LOG_ERROR, NULL, "queue: %s", wats_error_last()->message);
			up_wait(d, 1000);
			continue;
		}
		if (!n) {
			maybe_probe(d);
			wats_queue_counts c;
			int64_t wait = 1000;
			if (wats_queue_count(&c, d->queue) == 0) {
				int64_t now = wats_queue_now(d->queue), due = c.next_due_ms;
				if (c.paused_until_ms > due)
					due = c.paused_until_ms;
				if (due)
					wait = due - now;
			}
			up_wait(d, wait < 5 ? 5 : wait > 1000 ? 1000 : wait);
			continue;
		}
		wats_submit_result res;
		rc = wats_queue_send(&res, d->client, d->queue, it[0]);
		int64_t lat = wats_queue_now(d->queue) - it[0]->created_ms;
		char lats[32], att[16];
		snprintf(lats, sizeof(lats), "%lld", (long long)lat);
		snprintf(att, sizeof(att), "%u", it[0]->attempts);
		wats_log_field f[] = { { "report_id", it[0]->id, 0 }, { "file", it[0]->source, 0 },
				       { "latency_ms", lats, 1 }, { "attempt", att, 1 } };
		atomic_store(&d->probe_due_ms, watsd_mono_ms() + PROBE_MS);
		if (server_down(rc))
			watsd_note_server(d, 0, res.message[0] ? res.message : wats_error_last()->message);
		else
			watsd_note_server(d, 1, NULL);
		if (rc == 0) {
			watsd_hist_add(&d->stats.upload_latency, lat);
			atomic_fetch_add(&d->stats.reports_sent, 1);
			watsd_activity_note(d->activity, WATSD_ACT_UPLOADED, it[0]->id,
					    it[0]->correlation_id, NULL);
			watsd_logf(WATS_LOG_INFO, it[0]->correlation_id, f, 4, "uploaded report %s from %s",
				   it[0]->id, it[0]->source);
		} else {
			atomic_fetch_add(&d->stats.send_failures, 1);
			if (rc != WATS_EBREAKER) /* nothing was sent */
				watsd_activity_note(d->activity, WATSD_ACT_UPLOAD_FAILED, it[0]->id,
						    it[0]->correlation_id, res.message[0] ? res.message :
						    wats_error_last()->message);
			watsd_logf(rc == WATS_EBREAKER ? WATS_LOG_DEBUG : WATS_LOG_WARNING,
				   it[0]->correlation_id, f, 4, "upload of report %s failed: %s",
				   it[0]->id, res.message[0] ? res.message : wats_error_last()->message);
		}
		wats_queue_item_free(it[0]);
		if (rc == WATS_ETRANSPORT || rc == WATS_ETIMEOUT || rc == WATS_EBREAKER ||
		    rc == WATS_ERATELIMIT)
			up_wait(d, 250); /* the server is away: do not spin */
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */

/* Worker threads and their supervisor.
 *
 * Every worker runs through slot_main, which keeps d->running (readiness, metrics) and tells
 * an expected end (stopping, or a thread that retired itself: no control socket) from a death
 * (the function returned while the service runs). A dead worker is restarted by
 * watsd_pipeline_supervise (called by the main thread) after a backoff of RESTART_BASE_MS,
 * doubling up to RESTART_MAX_MS for a worker that dies again within RESTART_RESET_MS of its
 * restart; each restart counts in d->thread_restarts (watsd_thread_restarts_total). */

#define RESTART_BASE_MS 200
#define RESTART_MAX_MS 30000
#define RESTART_RESET_MS 60000

typedef struct slot {
	watsd *d;
	void *(*fn)(void *);
	char name[24];
	pthread_t tid;
	int joinable;      /* tid to join */
	int alive;         /* d->lock */
	int dead;          /* returned unexpectedly, not restarted yet (d->lock) */
	int retired;       /* ended on purpose; not restarted */
	unsigned restarts; /* d->lock */
	unsigned streak;   /* restarts in a row (backoff) */
	int64_t died_ms, started_ms, restart_due_ms; /* mono */
	int hook_exits;    /* test hook: deaths left to fake */
} slot;

static slot *slots;
static size_t nslots;
static _Thread_local int thread_retired;

void watsd_thread_retire(void)
{
	thread_retired = 1;
}

static void *slot_main(void *arg)
{
	slot *s = arg;
	watsd *d = s->d;
	int hooked = 0;
	pthread_mutex_lock(&d->lock);
	if (s->hook_exits > 0) { /* --test-hooks: die before doing anything */
		s->hook_exits--;
		hooked = 1;
	}
	pthread_mutex_unlock(&d->lock);
	if (!hooked)
		s->fn(d);
	int unexpected = !atomic_load(&d->stopping) && !thread_retired;
	pthread_mutex_lock(&d->lock);
	d->running--;
	s->alive = 0;
	if (unexpected) {
		int64_t now = watsd_mono_ms();
		if (now - s->started_ms > RESTART_RESET_MS)
			s->streak = 0;
		int64_t delay = RESTART_BASE_MS;
		for (unsigned i = 0; i < s->streak && delay < RESTART_MAX_MS; i++)
			delay *= 2;
		if (delay > RESTART_MAX_MS)
			delay = RESTART_MAX_MS;
		s->dead = 1;
		s->died_ms = now;
		s->restart_due_ms = now + delay;
		watsd_log(WATS_LOG_ERROR, NULL, "worker thread %s stopped unexpectedly%s; restarting it "
			  "in %lld ms", s->name, hooked ? " (test hook)" : "", (long long)delay);
	} else if (thread_retired) {
		s->retired = 1;
	}
	pthread_cond_broadcast(&d->done_cv);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* d->lock held. */
static int slot_start(slot *s)
{
	s->d->running++;
	s->alive = 1;
	s->started_ms = watsd_mono_ms();
	if (pthread_create(&s->tid, NULL, slot_main, s) != 0) {
		s->d->running--;
		s->alive = 0;
		return -1;
	}
	s->joinable = 1;
	return 0;
}

/* WATSD_TEST_THREAD_EXIT=NAME:COUNT[,NAME:COUNT...] (only with --test-hooks): the worker NAME
 * (watch, control, convert-N, upload-N) dies COUNT times, each time right after it started. */
static void apply_test_hooks(void)
{
	const char *h = watsd_test_hooks ? getenv("WATSD_TEST_THREAD_EXIT") : NULL;
	while (h && *h) {
		size_t len = strcspn(h, ",");
		const char *colon = memchr(h, ':', len);
		size_t n = colon ? (size_t)(colon - h) : len;
		int count = colon ? atoi(colon + 1) : 1;
		for (size_t i = 0; i < nslots; i++)
			if (strlen(slots[i].name) == n && !strncmp(slots[i].name, h, n)) {
				slots[i].hook_exits = count;
				watsd_log(WATS_LOG_WARNING, NULL, "test hook: worker thread %s will die %d "
					  "time%s", slots[i].name, count, count == 1 ? "" : "s");
			}
		h += len;
		if (*h == ',')
			h++;
	}
}

int watsd_pipeline_start(watsd *d)
{
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->health.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->job_cv, &ca);
	pthread_cond_init(&d->up_cv, &ca);
	pthread_cond_init(&d->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	d->files = watsd__files_new();
	d->jobs = watsd__jobs_new();
	d->activity = watsd_activity_new();
	if (!d->files || !d->jobs || !d->activity)
		return -1;
	size_t want = 2 + (size_t)d->cfg->convert_workers + (size_t)d->cfg->upload_workers;
	atomic_store(&d->threads_expected, (int)want);
	slots = calloc(want, sizeof(*slots));
	if (!slots)
		return -1;
	nslots = want;
	for (size_t i = 0; i < want; i++) {
		slot *s = &slots[i];
		s->d = d;
		size_t nc = (size_t)d->cfg->convert_workers;
		if (i == 0) {
			s->fn = watsd_watch_thread;
			snprintf(s->name, sizeof(s->name), "watch");
		} else if (i == 1) {
			s->fn = watsd_control_thread;
			snprintf(s->name, sizeof(s->name), "control");
		} else if (i <= 1 + nc) {
			s->fn = converter_thread;
			snprintf(s->name, sizeof(s->name), "convert-%u", (unsigned)(i - 1));
		} else {
			s->fn = uploader_thread;
			snprintf(s->name, sizeof(s->name), "upload-%u", (unsigned)(i - 1 - nc));
		}
	}
	apply_test_hooks();
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < want; i++)
		if (slot_start(&slots[i])) {
			pthread_mutex_unlock(&d->lock);
			watsd_pipeline_stop(d);
			return -1;
		}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int watsd_pipeline_supervise(watsd *d)
{
	int64_t next = 500;
	if (atomic_load(&d->stopping))
		return (int)next;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < nslots; i++) {
		slot *s = &slots[i];
		if (!s->dead)
			continue;
		int64_t left = s->restart_due_ms - watsd_mono_ms();
		if (left > 0) {
			if (left < next)
				next = left;
			continue;
		}
		if (s->joinable) { /* it has returned, or is about to */
			pthread_mutex_unlock(&d->lock);
			pthread_join(s->tid, NULL);
			pthread_mutex_lock(&d->lock);
			s->joinable = 0;
		}
		if (atomic_load(&d->stopping))
			break;
		if (s->fn == watsd_control_thread)
			watsd_control_open(d); /* its socket was closed when it ended */
		s->dead = 0;
		s->restarts++;
		s->streak++;
		atomic_fetch_add(&d->thread_restarts, 1);
		if (slot_start(s)) {
			s->dead = 1;
			s->restart_due_ms = watsd_mono_ms() + RESTART_MAX_MS;
			watsd_log(WATS_LOG_ERROR, NULL, "cannot restart worker thread %s", s->name);
		} else {
			watsd_log(WATS_LOG_WARNING, NULL, "worker thread %s restarted (restart %u)", s->name,
				  s->restarts);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return (int)(next < 10 ? 10 : next);
}

int watsd_threads_down(watsd *d, char *names, size_t size)
{
	int n = 0;
	size_t used = 0;
	if (size)
		names[0] = '\0';
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].dead) {
			int k = snprintf(names + used, size - used, "%s%s", n ? ", " : "", slots[i].name);
			if (k > 0 && used + (size_t)k < size)
				used += (size_t)k;
			n++;
		}
	pthread_mutex_unlock(&d->lock);
	return n;
}

json_object *watsd_threads_json(watsd *d)
{
	json_object *a = json_object_new_array();
	int64_t now = watsd_mono_ms();
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < nslots; i++) {
		slot *s = &slots[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "state", json_object_new_string(
			s->alive ? "running" : s->dead ? "restarting" : s->retired ? "retired" : "stopped"));
		json_object_object_add(o, "restarts", json_object_new_int((int)s->restarts));
		if (s->dead)
			json_object_object_add(o, "restart_in_ms",
					       json_object_new_int64(s->restart_due_ms > now ?
								     s->restart_due_ms - now : 0));
		json_object_array_add(a, o);
	}
	pthread_mutex_unlock(&d->lock);
	return a;
}

void watsd_pipeline_stop(watsd *d)
{
	atomic_store(&d->stopping, 1);
	pthread_mutex_lock(&d->lock);
	pthread_cond_broadcast(&d->job_cv);
	pthread_cond_broadcast(&d->up_cv);
	pthread_mutex_unlock(&d->lock);
}

int watsd_pipeline_wait(watsd *d, int64_t deadline_ms)
{
	pthread_mutex_lock(&d->lock);
	while (d->running > 0) {
		int64_t left = deadline_ms - watsd_mono_ms();
		if (left <= 0)
			break;
		watsd_cond_wait_ms(&d->done_cv, &d->lock, left < 50 ? left : 50);
	}
	int done = d->running == 0;
	pthread_mutex_unlock(&d->lock);
	if (!done)
		return -1;
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].joinable) {
			pthread_join(slots[i].tid, NULL);
			slots[i].joinable = 0;
		}
	free(slots);
	slots = NULL;
	nslots = 0;
	return 0;
}

void watsd_pipeline_free(watsd *d)
{
	watsd__files_free(d->files);
	watsd__jobs_free(d->jobs);
	watsd_activity_free(d->activity);
	d->activity = NULL;
	pthread_cond_destroy(&d->job_cv);
	pthread_cond_destroy(&d->up_cv);
	pthread_cond_destroy(&d->done_cv);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->health.lock);
}
