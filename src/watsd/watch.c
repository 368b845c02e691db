/*
 * The watcher thread: inotify on every watch folder, a scan at start-up and a periodic rescan
 * (network shares send no inotify events; a folder deleted and re-created is watched again),
 * stability detection, and the priority heap of files for the converter workers.
 *
 * A file is complete when inotify saw it closed after writing (IN_CLOSE_WRITE) or moved in
 * (IN_MOVED_TO); a file found by a scan, or whose writer we never saw, is complete once its
 * size and mtime have not changed for the folder's stable_ms (ten times that while inotify says
 * a writer still has it open). One entry per path: a file is never converted twice at once.
 *
 * Memory: at most MAX_HELD files per folder are held (candidates, waiting or in conversion;
 * files left in place by the post action "leave" are remembered apart and do not count).
 * A burst of 100 000 files does not become 100 000 entries: the rest stay in the folder,
 * unseen, and are found by a rescan as soon as the folder's entries fall under half of that
 * (back-pressure on the scan; nothing is dropped, a folder is never starved by another).
 *
 * Reload: the thread holds the config it works with (watsd_cfg_acquire); when d->cfg changes
 * it moves to the new one: inotify watches follow added, removed and disabled folders, file
 * entries are re-indexed by folder path, entries of a folder no longer watched are dropped
 * (one in conversion is dropped when its converter is done with it).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "watsd.h"

enum { F_CAND = 0, F_INFLIGHT, F_RETRY, F_DONE };

#define MAX_HELD_DEFAULT 4096
/* --test-hooks: WATSD_TEST_MAX_HELD=N sets it (a test cannot drop 4 096 files cheaply). */
static size_t max_held = MAX_HELD_DEFAULT;
#define MAX_HELD max_held
#define WATCH_GONE ((size_t)-1) /* its folder was removed from the config */

typedef struct fentry {
	char *path;
	size_t watch;
	int state;
	int closed;         /* seen closed after writing / moved in */
	int writing;        /* inotify saw it created or modified and not yet closed */
	off_t size;
	int64_t mtime_ns;
	int64_t last_change_ms, retry_at_ms, seen_ms;
	char cid[24];
	struct fentry *next;
} fentry;

struct watsd_files {
	fentry **b;
	size_t nb, count;
	size_t *held;  /* entries per watch index, F_DONE ones not counted (MAX_HELD) */
	unsigned char *over; /* per watch: files were left in it for a later scan (it was full) */
	size_t nheld;
	size_t peak;   /* most entries held at once in one folder (status: files_held_peak) */
};

typedef struct jobent {
	int prio;
	uint64_t seq;
	watsd_job *job;
} jobent;

struct watsd_jobs {
	jobent *h;
	size_t n, cap;
	uint64_t seq;
};

/* ---------------------------------------------------------------------------------------- */

int64_t watsd_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t watsd_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void watsd_new_cid(char out[24])
{
	static atomic_ullong counter;
	uint64_t r = 0;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(&r, sizeof(r), 1, f) != 1)
		r = (uint64_t)watsd_wall_ms() * 2654435761u;
	if (f)
		fclose(f);
	r ^= atomic_fetch_add(&counter, 1);
	snprintf(out, 24, "%016llx", (unsigned long long)r);
}

void watsd_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *m, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, m, &ts);
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static fentry *find(struct watsd_files *t, const char *path, fentry ***slot)
{
	fentry **p = &t->b[hash(path) & (t->nb - 1)];
	for (; *p; p = &(*p)->next)
		if (!strcmp((*p)->path, path))
			break;
	if (slot)
		*slot = p;
	return *p;
}

static void grow(struct watsd_files *t)
{
	size_t nb = t->nb ? t->nb * 2 : 1024;
	fentry **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < t->nb; i++)
		for (fentry *e = t->b[i], *nx; e; e = nx) {
			nx = e->next;
			size_t k = hash(e->path) & (nb - 1);
			e->next = b[k];
			b[k] = e;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

static void remove_entry(struct watsd_files *t, const char *path)
{
	fentry **slot;
	fentry *e = find(t, path, &slot);
	if (!e)
		return;
	*slot = e->next;
	if (e->state != F_DONE && e->watch < t->nheld && t->held[e->watch])
		t->held[e->watch]--;
	free(e->path);
	free(e);
	t->count--;
	if (t->count == 0 && t->nb > 1024) { /* a burst is over: back to the first size */
		fentry **b = calloc(1024, sizeof(*b));
		if (b) {
			free(t->b);
			t->b = b;
			t->nb = 1024;
		}
	}
}

static void push_job(watsd *d, const watsd_config *cfg, fentry *e)
{
	struct watsd_jobs *j = d->jobs;
	if (j->n == j->cap) {
		size_t nc = j->cap ? j->cap * 2 : 256;
		jobent *nh = realloc(j->h, nc * sizeof(*nh));
		if (!nh)
			return;
		j->h = nh;
		j->cap = nc;
	}
	watsd_job *job = calloc(1, sizeof(*job));
	if (!job)
		return;
	job->path = strdup(e->path);
	job->watch = e->watch;
	job->seen_ms = e->seen_ms;
	memcpy(job->cid, e->cid, sizeof(job->cid));
	jobent x = { cfg->watches[e->watch].priority, j->seq++, job };
	size_t i = j->n++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (j->h[p].prio < x.prio || (j->h[p].prio == x.prio && j->h[p].seq < x.seq))
			break;
		j->h[i] = j->h[p];
		i = p;
	}
	j->h[i] = x;
	e->state = F_INFLIGHT;
	pthread_cond_signal(&d->job_cv);
}

watsd_job *watsd_next_job(watsd *d)
{
	pthread_mutex_lock(&d->lock);
	struct watsd_jobs *j = d->jobs;
	while (!atomic_load(&d->stopping) && j->n == 0)
		watsd_cond_wait_ms(&d->job_cv, &d->lock, 1000);
	if (atomic_load(&d->stopping) || j->n == 0) {
		pthread_mutex_unlock(&d->lock);
		return NULL;
	}
	watsd_job *out = j->h[0].job;
	jobent last = j->h[--j->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= j->n)
			break;
		if (c + 1 < j->n && (j->h[c + 1].prio < j->h[c].prio ||
				     (j->h[c + 1].prio == j->h[c].prio && j->h[c + 1].seq < j->h[c].seq)))
			c++;
		if (last.prio < j->h[c].prio || (last.prio == j->h[c].prio && last.seq < j->h[c].seq))
			break;
		j->h[i] = j->h[c];
		i = c;
	}
	if (j->n) {
		j->h[i] = last;
	} else if (j->cap > 256) { /* a burst is over: do not keep its array (memory) */
		free(j->h);
		j->h = NULL;
		j->cap = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return out;
}

void watsd_job_free(watsd_job *j)
{
	if (j) {
		free(j->path);
		free(j);
	}
}

void watsd_file_done(watsd *d, const char *path, int64_t retry_after_ms)
{
	pthread_mutex_lock(&d->lock);
	fentry *e = find(d->files, path, NULL);
	if (e) {
		if (retry_after_ms > 0) {
			e->state = F_RETRY;
			e->retry_at_ms = watsd_mono_ms() + retry_after_ms;
		} else if (retry_after_ms < 0) {
			e->state = F_DONE; /* post action "leave": remember it until it changes */
			if (e->watch < d->files->nheld && d->files->held[e->watch])
				d->files->held[e->watch]--;
		} else {
			remove_entry(d->files, path);
		}
	}
	pthread_mutex_unlock(&d->lock);
}

/* ---------------------------------------------------------------------------------------- */

static int name_wanted(const char *name, const char *patterns)
{
	if (name[0] == '.')
		return 0; /* hidden: the usual "write .tmp, then rename" */
	size_t n = strlen(name);
	static const char *const skip[] = { ".tmp", ".part", ".partial", ".crdownload", ".reason", "~" };
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		size_t k = strlen(skip[i]);
		if (n >= k && !strcasecmp(name + n - k, skip[i]))
			return 0;
	}
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", patterns);
	char *save = NULL;
	for (char *p = strtok_r(buf, ";,", &save); p; p = strtok_r(NULL, ";,", &save)) {
		while (*p == ' ')
			p++;
		if (*p && fnmatch(p, name, FNM_CASEFOLD) == 0)
			return 1;
	}
	return 0;
}

/* A file seen (by scan or event). lock held. */
static void note(watsd *d, const watsd_config *cfg, size_t w, const char *dir, const char *name,
		 int closed, int writing, int64_t now)
{
	if (!name_wanted(name, cfg->watches[w].patterns))
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fentry *e = find(d->files, path, NULL);
	struct watsd_files *t = d->files;
	if (!e && w < t->nheld && t->held[w] >= MAX_HELD) {
		t->over[w] = 1; /* left in the folder: a rescan finds it when there is room */
		return;
	}
	struct stat st;
	/* Folders (Done, Error...) are not files; anything else that matches (a FIFO, a device,
	 * a socket) is taken so that it ends in the error folder with a reason, not ignored. */
	if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
		return;
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (e) {
		if (e->state == F_DONE && (e->size != st.st_size || e->mtime_ns != mt)) {
			e->state = F_CAND; /* a left file that changed: take it again */
			if (w < t->nheld)
				t->held[w]++;
			e->closed = 0;
			watsd_new_cid(e->cid);
		}
		if (e->state != F_CAND)
			return;
		if (closed) {
			e->closed = 1;
			e->writing = 0;
		}
		if (writing)
			e->writing = 1;
		if (e->size != st.st_size || e->mtime_ns != mt) {
			e->size = st.st_size;
			e->mtime_ns = mt;
			e->last_change_ms = now;
		}
		return;
	}
	if (d->files->count * 2 >= d->files->nb)
		grow(d->files);
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->path = strdup(path);
	e->watch = w;
	e->closed = closed;
	e->writing = writing;
	e->size = st.st_size;
	e->mtime_ns = mt;
	e->last_change_ms = e->seen_ms = now;
	watsd_new_cid(e->cid);
	fentry **slot;
	find(d->files, path, &slot);
	*slot = e;
	d->files->count++;
	if (w < t->nheld && ++t->held[w] > t->peak)
		t->peak = t->held[w];
	atomic_fetch_add(&d->stats.files_seen, 1);
	watsd_logf(WATS_LOG_DEBUG, e->cid, (wats_log_field[]){ { "file", path, 0 } }, 1,
		   "new file %s", path);
}

static void scan(watsd *d, const watsd_config *cfg, size_t w)
{
	const char *dir = cfg->watches[w].path;
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	int64_t now = watsd_mono_ms();
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (de->d_type == DT_DIR) /* note() takes files, FIFOs, devices (to the error folder) */
			continue;
		pthread_mutex_lock(&d->lock);
		note(d, cfg, w, dir, de->d_name, 0, 0, now);
		pthread_mutex_unlock(&d->lock);
	}
	closedir(dh);
}

/* Promote complete files to jobs. Returns 1 when some candidate still waits. */
static int promote(watsd *d, const watsd_config *cfg, int64_t now)
{
	int waiting = 0;
	pthread_mutex_lock(&d->lock);
	struct watsd_files *t = d->files;
	for (size_t i = 0; i < t->nb; i++) {
		for (fentry *e = t->b[i], *nx; e; e = nx) {
			nx = e->next;
			if (e->watch == WATCH_GONE) {
				if (e->state != F_INFLIGHT)
					remove_entry(t, e->path);
				continue;
			}
			if (e->state == F_RETRY) {
				if (now >= e->retry_at_ms) {
					e->state = F_CAND;
					e->closed = 1;
				} else {
					waiting = 1;
					continue;
				}
			}
			if (e->state != F_CAND)
				continue;
			int ready = e->closed;
			if (!ready) {
				struct stat st;
				if (stat(e->path, &st) != 0) {
					remove_entry(t, e->path); /* gone before it was complete */
					continue;
				}
				int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
				if (st.st_size != e->size || mt != e->mtime_ns) {
					e->size = st.st_size;
					e->mtime_ns = mt;
					e->last_change_ms = now;
				}
				int64_t need = cfg->watches[e->watch].stable_ms;
				if (e->writing)
					need = need * 10 > 2000 ? need * 10 : 2000;
				ready = now - e->last_change_ms >= need;
			}
			if (ready)
				push_job(d, cfg, e);
			else
				waiting = 1;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return waiting;
}

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_DELETE_SELF | \
		    IN_MOVE_SELF | IN_ONLYDIR)

typedef struct wstate {
	watsd_config *cfg; /* held */
	int fd;            /* inotify, -1 without */
	int *wd;           /* per watch of cfg */
	int *warned;
} wstate;

static int index_of(const watsd_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->nwatches; i++)
		if (cfg->watches[i].enabled && !strcmp(cfg->watches[i].path, path))
			return (int)i;
	return -1;
}

/* Move to the config now in d->cfg (a reload): carry inotify watches of folders still
 * watched, drop the others, re-index the file entries. Returns 0, or -1 (out of memory:
 * stay with the old config and try again next turn). */
static int resync(watsd *d, wstate *ws)
{
	watsd_config *nc = watsd_cfg_acquire(d);
	size_t n = nc->nwatches ? nc->nwatches : 1;
	int *wd = calloc(n, sizeof(int)), *warned = calloc(n, sizeof(int));
	size_t *held = calloc(n, sizeof(size_t));
	unsigned char *over = calloc(n, 1);
	watsd_config *oc = ws->cfg;
	int *map = calloc(oc->nwatches ? oc->nwatches : 1, sizeof(int));
	if (!wd || !warned || !held || !over || !map) {
		free(wd);
		free(warned);
		free(held);
		free(over);
		free(map);
		watsd_cfg_release(d, nc);
		return -1;
	}
	for (size_t j = 0; j < nc->nwatches; j++)
		wd[j] = -1;
	for (size_t i = 0; i < oc->nwatches; i++) {
		int j = oc->watches[i].enabled ? index_of(nc, oc->watches[i].path) : -1;
		map[i] = j;
		if (j >= 0) {
			wd[j] = ws->wd[i];
			warned[j] = ws->warned[i];
		} else {
			if (ws->wd[i] >= 0 && ws->fd >= 0)
				inotify_rm_watch(ws->fd, ws->wd[i]);
			if (oc->watches[i].enabled)
				watsd_log(WATS_LOG_INFO, NULL, "watch folder %s is no longer watched (config "
					  "reloaded)", oc->watches[i].path);
		}
	}
	for (size_t j = 0; j < nc->nwatches; j++) {
		int was = -1;
		for (size_t i = 0; i < oc->nwatches && was < 0; i++)
			if (map[i] == (int)j)
				was = (int)i;
		if (was < 0 && nc->watches[j].enabled)
			watsd_log(WATS_LOG_INFO, NULL, "watch folder %s is watched now (config reloaded)",
				  nc->watches[j].path);
	}
	pthread_mutex_lock(&d->lock);
	struct watsd_files *t = d->files;
	for (size_t b = 0; b < t->nb; b++)
		for (fentry *e = t->b[b]; e; e = e->next) {
			int j = e->watch < oc->nwatches ? map[e->watch] : -1;
			e->watch = j >= 0 ? (size_t)j : WATCH_GONE;
			if (j >= 0 && e->state != F_DONE)
				held[j]++;
		}
	free(t->held);
	free(t->over);
	t->held = held;
	t->over = over;
	t->nheld = nc->nwatches; /* a scan of every folder follows (next_rescan = 0) */
	pthread_mutex_unlock(&d->lock);
	free(map);
	free(ws->wd);
	free(ws->warned);
	ws->wd = wd;
	ws->warned = warned;
	watsd_cfg_release(d, oc);
	ws->cfg = nc;
	return 0;
}

size_t watsd_files_held(watsd *d, size_t *peak)
{
	pthread_mutex_lock(&d->lock);
	size_t n = 0;
	for (size_t i = 0; i < d->files->nheld; i++)
		n += d->files->held[i];
	if (peak)
		*peak = d->files->peak;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void *watsd_watch_thread(void *arg)
{
	watsd *d = arg;
	const char *mh = watsd_test_hooks ? getenv("WATSD_TEST_MAX_HELD") : NULL;
	if (mh && atoi(mh) > 0)
		max_held = (size_t)atoi(mh);
	wstate ws = { watsd_cfg_acquire(d), -1, NULL, NULL };
	size_t n0 = ws.cfg->nwatches ? ws.cfg->nwatches : 1;
	ws.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ws.fd < 0)
		watsd_log(WATS_LOG_WARNING, NULL, "inotify unavailable (%s); relying on rescans every %d ms",
			  strerror(errno), ws.cfg->rescan_ms);
	ws.wd = calloc(n0, sizeof(int));
	ws.warned = calloc(n0, sizeof(int));
	size_t *held = calloc(n0, sizeof(size_t));
	unsigned char *over = calloc(n0, 1);
	if (!ws.wd || !ws.warned || !held || !over) {
		free(ws.wd);
		free(ws.warned);
		free(held);
		free(over);
		if (ws.fd >= 0)
			close(ws.fd);
		watsd_cfg_release(d, ws.cfg);
		return NULL; /* the supervisor restarts it */
	}
	for (size_t i = 0; i < ws.cfg->nwatches; i++)
		ws.wd[i] = -1;
	/* Entries left by a previous run of this thread (a restart) are counted again. */
	pthread_mutex_lock(&d->lock);
	struct watsd_files *t = d->files;
	for (size_t b = 0; b < t->nb; b++)
		for (fentry *e = t->b[b]; e; e = e->next)
			if (e->watch < ws.cfg->nwatches && e->state != F_DONE)
				held[e->watch]++;
	free(t->held);
	free(t->over);
	t->held = held;
	t->over = over;
	t->nheld = ws.cfg->nwatches;
	pthread_mutex_unlock(&d->lock);
	int64_t next_rescan = 0, next_cleanup = 0;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (!atomic_load(&d->stopping)) {
		if (d->cfg != ws.cfg && resync(d, &ws) == 0)
			next_rescan = 0; /* added folders: scan them now */
		const watsd_config *cfg = ws.cfg;
		int64_t now = watsd_mono_ms();
		/* Back-pressure: files were left in a full folder; scan it again once it has room
		 * (the periodic rescan below scans every folder anyway). */
		if (now < next_rescan) {
			for (size_t i = 0; i < cfg->nwatches; i++) {
				pthread_mutex_lock(&d->lock);
				int again = i < t->nheld && t->over[i] && t->held[i] <= MAX_HELD / 2;
				if (again)
					t->over[i] = 0;
				pthread_mutex_unlock(&d->lock);
				if (again && cfg->watches[i].enabled)
					scan(d, cfg, i);
			}
		}
		if (now >= next_rescan) {
			pthread_mutex_lock(&d->lock);
			for (size_t i = 0; i < t->nheld; i++)
				t->over[i] = 0; /* the scan below sees everything there is room for */
			pthread_mutex_unlock(&d->lock);
			for (size_t i = 0; i < cfg->nwatches; i++) {
				if (!cfg->watches[i].enabled)
					continue;
				struct stat st;
				int present = stat(cfg->watches[i].path, &st) == 0 && S_ISDIR(st.st_mode);
				if (!present) {
					if (!ws.warned[i])
						watsd_log(WATS_LOG_WARNING, NULL,
							  "watch folder %s does not exist; waiting for it (checked every %d ms)",
							  cfg->watches[i].path, cfg->rescan_ms);
					ws.warned[i] = 1;
					if (ws.wd[i] >= 0 && ws.fd >= 0)
						inotify_rm_watch(ws.fd, ws.wd[i]);
					ws.wd[i] = -1;
					continue;
				}
				if (ws.warned[i])
					watsd_log(WATS_LOG_INFO, NULL, "watch folder %s is back", cfg->watches[i].path);
				ws.warned[i] = 0;
				if (ws.wd[i] < 0 && ws.fd >= 0)
					ws.wd[i] = inotify_add_watch(ws.fd, cfg->watches[i].path, WATCH_MASK);
				scan(d, cfg, i);
			}
			next_rescan = now + cfg->rescan_ms;
		}
		if (now >= next_cleanup) {
			size_t n = 0;
			if (cfg->keep_sent_hours >= 0 &&
			    wats_queue_cleanup(&n, d->queue, (int64_t)cfg->keep_sent_hours * 3600000) == 0 && n)
				watsd_log(WATS_LOG_INFO, NULL, "cleaned up %zu sent items older than %ld h", n,
					  cfg->keep_sent_hours);
			next_cleanup = now + 600000;
		}
		int waiting = promote(d, cfg, now);
		int timeout = waiting ? 50 : 250;
		if (ws.fd < 0) {
			struct timespec ts = { 0, timeout * 1000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		struct pollfd p = { ws.fd, POLLIN, 0 };
		if (poll(&p, 1, timeout) <= 0)
			continue;
		ssize_t len;
		while ((len = read(ws.fd, buf, sizeof(buf))) > 0) {
			now = watsd_mono_ms();
			for (char *q = buf; q < buf + len;) {
				struct inotify_event *ev = (struct inotify_event *)q;
				q += sizeof(*ev) + ev->len;
				if (ev->mask & IN_Q_OVERFLOW) {
					next_rescan = 0;
					continue;
				}
				for (size_t i = 0; i < cfg->nwatches; i++) {
					if (ws.wd[i] != ev->wd)
						continue;
					if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
						watsd_log(WATS_LOG_WARNING, NULL,
							  "watch folder %s was removed or moved; watching it again when it is back",
							  cfg->watches[i].path);
						if (!(ev->mask & IN_IGNORED))
							inotify_rm_watch(ws.fd, ws.wd[i]);
						ws.wd[i] = -1;
						ws.warned[i] = 1;
						next_rescan = now + 100 < next_rescan ? now + 100 : next_rescan;
						break;
					}
					if (ev->len && !(ev->mask & IN_ISDIR)) {
						pthread_mutex_lock(&d->lock);
						note(d, cfg, i, cfg->watches[i].path, ev->name,
						     !!(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)),
						     !!(ev->mask & (IN_CREATE | IN_MODIFY)), now);
						pthread_mutex_unlock(&d->lock);
					}
					break;
				}
			}
		}
	}
	if (ws.fd >= 0)
		close(ws.fd);
	free(ws.wd);
	free(ws.warned);
	watsd_cfg_release(d, ws.cfg);
	return NULL;
}

struct watsd_files *watsd__files_new(void);
struct watsd_jobs *watsd__jobs_new(void);
void watsd__files_free(struct watsd_files *t);
void watsd__jobs_free(struct watsd_jobs *j);

struct watsd_files *watsd__files_new(void)
{
	struct watsd_files *t = calloc(1, sizeof(*t));
	if (t)
		grow(t);
	return t;
}

struct watsd_jobs *watsd__jobs_new(void)
{
	return calloc(1, sizeof(struct watsd_jobs));
}

void watsd__files_free(struct watsd_files *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nb; i++)
		for (fentry *e = t->b[i], *nx; e; e = nx) {
			nx = e->next;
			free(e->path);
			free(e);
		}
	free(t->b);
	free(t->held);
	free(t->over);
	free(t);
}

void watsd__jobs_free(struct watsd_jobs *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		watsd_job_free(j->h[i].job);
	free(j->h);
	free(j);
}
