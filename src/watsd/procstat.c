/*
 * The process's own figures for /metrics and the status: CPU time, resident and virtual
 * memory, the proportional share (PSS) and the anonymous part of the resident memory, open
 * descriptors. RSS counts every page of the shared libraries the process touched; PSS divides
 * those among the processes that map them (so it changes with what else runs); anonymous
 * memory (heap, stacks, the libraries' written data) is the part watsd itself makes:
 * docs/watsd.md, "Not met: idle RSS", says why all three are given.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "watsd.h"

/* Pss from smaps_rollup (Linux 4.14): one pass over the mappings, summed by the kernel. */
static long long pss(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	char line[256];
	long long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pss:", 4) && sscanf(line + 4, "%lld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

void watsd_procstat_read(watsd *d, watsd_procstat *p, int64_t max_age_ms)
{
	memset(p, 0, sizeof(*p));
	p->rss_bytes = p->virtual_bytes = p->pss_bytes = p->anon_bytes = -1;
	p->open_fds = p->max_fds = -1;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		p->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	/* statm: size, resident, shared (file-backed and shmem) in pages */
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");
	long long size, resident, shared;
	if (f && fscanf(f, "%lld %lld %lld", &size, &resident, &shared) == 3 && page > 0) {
		p->virtual_bytes = size * page;
		p->rss_bytes = resident * page;
		p->anon_bytes = (resident - shared) * page;
	}
	if (f)
		fclose(f);
	pthread_mutex_lock(&d->health.lock);
	int64_t now = watsd_mono_ms();
	if (!max_age_ms || !d->health.pss_ms || now - d->health.pss_ms >= max_age_ms) {
		d->health.pss_bytes = pss();
		d->health.pss_ms = now;
	}
	p->pss_bytes = d->health.pss_bytes;
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
