/* The element tree (see xmltree.h). */
#include "convert/xmltree.h"

#include <stdlib.h>
#include <string.h>

/* Bump allocation in blocks of 64 KB (a larger request gets a block of its own). The first
 * block heads the list of all blocks (next) and knows the one being filled (cur). */
typedef struct wats__xarena {
	struct wats__xarena *next, *cur;
	size_t used, cap;
	/* then cap bytes */
} wats__xarena;

#define XA_BLOCK ((size_t)64 << 10)
#define XA_HDR ((sizeof(wats__xarena) + 15) & ~(size_t)15)

static void *xa_alloc(wats__xarena **a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	wats__xarena *b = *a ? (*a)->cur : NULL;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > XA_BLOCK / 4 ? n : XA_BLOCK;
		wats__xarena *nb = malloc(XA_HDR + cap);
		if (!nb)
			return NULL;
		nb->used = 0, nb->cap = cap, nb->cur = nb, nb->next = NULL;
		if (!*a) {
			*a = nb;
		} else {
			nb->next = (*a)->next, (*a)->next = nb;
			if (cap != XA_BLOCK) { /* a big one: taken whole, the current block goes on */
				nb->used = n;
				return (char *)nb + XA_HDR;
			}
			(*a)->cur = nb;
		}
		b = nb;
	}
	void *p = (char *)b + XA_HDR + b->used;
	b->used += n;
	return p;
}

static char *xa_strndup(wats__xarena **a, const char *s, size_t n)
{
	char *d = xa_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void xa_free(wats__xarena *a)
{
	while (a) {
		wats__xarena *next = a->next;
		free(a);
		a = next;
	}
}

void wats__xtree_free(wats__xnode *root)
{
	if (root)
		xa_free(root->arena);
}

int wats__xtree_start(wats__xtree *t, wats__xml *x, const char *name, const char **atts)
{
	if (++t->nodes > t->max)
		return wats__xml_error(x, WATS_ELIMIT, "more than %zu elements", t->max);
	wats__xarena *fresh = NULL, **a = t->cur ? &t->arena : &fresh;
	wats__xnode *n = xa_alloc(a, sizeof(*n));
	size_t na = 0;
	while (atts[na])
		na++;
	const char *local = wats__xml_local(name);
	char **av = n ? xa_alloc(a, (na + 1) * sizeof(char *)) : NULL;
	int oom = !av || !(n->name = xa_strndup(a, local, strlen(local)));
	for (size_t i = 0; i < na && !oom; i++) {
		const char *v = i % 2 ? atts[i] : wats__xml_local(atts[i]);
		oom = !(av[i] = xa_strndup(a, v, strlen(v)));
	}
	if (oom) {
		xa_free(fresh);
		return wats__error_oom();
	}
	av[na] = NULL;
	n->atts = av;
	n->text = NULL, n->tlen = 0;
	n->first = n->last = n->next = n->parent = NULL;
	n->line = wats__xml_line(x);
	n->arena = NULL;
	if (!t->cur) {
		/* a new tree: its root owns the arena */
		n->arena = t->arena = fresh;
		t->root = t->cur = n;
		return 0;
	}
	n->parent = t->cur;
	if (t->cur->last)
		t->cur->last->next = n;
	else
		t->cur->first = n;
	t->cur->last = n;
	t->cur = n;
	return 0;
}

int wats__xtree_end(wats__xtree *t, const char *txt, size_t len)
{
	if (!t->cur)
		return 0;
	if (!t->cur->first && len) {
		t->cur->text = xa_strndup(&t->arena, txt, len);
		if (!t->cur->text)
			return wats__error_oom();
		t->cur->tlen = len;
	}
	t->cur = t->cur->parent;
	return 0;
}

static int on_start(wats__xml *x, void *ud, const char *name, const char **atts)
{
	return wats__xtree_start(ud, x, name, atts);
}

static int on_end(wats__xml *x, void *ud, const char *name, const char *txt, size_t len)
{
	(void)x, (void)name;
	return wats__xtree_end(ud, txt, len);
}

int wats__xtree_read(wats__xnode **root, wats__cctx *c, size_t max_nodes)
{
	wats__xtree t = { NULL, NULL, 0, max_nodes, NULL };
	wats__xml_handlers h = { &t, on_start, on_end };
	int rc = wats__xml_parse(c, &h);
	if (rc < 0) {
		wats__xtree_free(t.root);
		return rc;
	}
	*root = t.root;
	return 0;
}

wats__xnode *wats__xtree_child(const wats__xnode *n, const char *name)
{
	for (wats__xnode *k = n ? n->first : NULL; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

wats__xnode *wats__xtree_next_same(const wats__xnode *n)
{
	for (wats__xnode *k = n ? n->next : NULL; k; k = k->next)
		if (!strcmp(k->name, n->name))
			return k;
	return NULL;
}

const char *wats__xtree_attr(const wats__xnode *n, const char *name)
{
	if (!n || !n->atts)
		return NULL;
	for (char **a = n->atts; a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}
