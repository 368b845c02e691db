/*
 * The process's own figures for /metrics and the status: CPU time, resident and virtual
 * memory, the proportional (PSS) and private share of the resident memory, open descriptors.
 * RSS counts every page of the shared libraries the process touched; PSS divides those among
 * the processes that map them, and private memory is what the process alone holds (what it
 * would free by exiting): docs/watsd.md, "Not met: idle RSS", says why all three are given.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "watsd.h"

/* The value in kB of a "Key:   123 kB" line of a /proc file, or -1. */
static long long kb_of(const char *line, const char *key)
{
	size_t n = strlen(key);
	long long v;
	if (strncmp(line, key, n) || sscanf(line + n, "%lld", &v) != 1)
		return -1;
	return v;
}

/* Pss and Private_Clean + Private_Dirty from smaps_rollup (Linux 4.14): one pass over the
 * mappings, summed by the kernel. */
static void shares(long long *pss, long long *priv)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	if (!f)
		return;
	char line[256];
	long long v, sum = 0;
	int have = 0;
	while (fgets(line, sizeof(line), f)) {
		if ((v = kb_of(line, "Pss:")) >= 0)
			*pss = v * 1024;
		else if ((v = kb_of(line, "Private_Clean:")) >= 0 || (v = kb_of(line, "Private_Dirty:")) >= 0)
			sum += v, have = 1;
	}
	if (have)
		*priv = sum * 1024;
	fclose(f);
}

void watsd_procstat_read(watsd *d, watsd_procstat *p, int64_t max_age_ms)
{
	memset(p, 0, sizeof(*p));
	p->rss_bytes = p->virtual_bytes = p->pss_bytes = p->private_bytes = -1;
	p->open_fds = p->max_fds = -1;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		p->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");
	long long size, resident;
	if (f && fscanf(f, "%lld %lld", &size, &resident) == 2 && page > 0) {
		p->virtual_bytes = size * page;
		p->rss_bytes = resident * page;
	}
	if (f)
		fclose(f);
	pthread_mutex_lock(&d->health.lock);
	int64_t now = watsd_mono_ms();
	if (!max_age_ms || !d->health.shares_ms || now - d->health.shares_ms >= max_age_ms) {
		d->health.pss_bytes = d->health.private_bytes = -1;
		shares(&d->health.pss_bytes, &d->health.private_bytes);
		d->health.shares_ms = now;
	}
	p->pss_bytes = d->health.pss_bytes;
	p->private_bytes = d->health.private_bytes;
	pthread_mutex_unlock(&d->health.lock);
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		long long n = 0;
		for (struct dirent *e; (e = readdir(dir));)
			n += e->d_name[0] != '.';
		p->open_fds = n - 1; /* not the one reading the folder */
		closedir(dir);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		p->max_fds = rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur;
}
