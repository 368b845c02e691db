/*
 * A small element tree built from the streaming XML layer (xmlin.h), for the converters whose
 * formats are easier to map as a tree: ATML builds one per TestResults (so memory stays
 * bounded by one report), the vendor XML converters one per document. A tree's nodes and
 * strings come from one arena owned by its root (a malloc per name, attribute and text was a
 * sixth of a Saki or SigmaQuest conversion, freeing it another); free the tree by its root.
 */
#ifndef WATS_CONVERT_XMLTREE_H
#define WATS_CONVERT_XMLTREE_H

#include <stddef.h>

#include "convert/xmlin.h"

typedef struct wats__xnode {
	char *name;   /* local name */
	char **atts;  /* local name, value pairs, NULL-terminated */
	char *text;   /* text of a leaf (untrimmed), NULL when none */
	size_t tlen;
	struct wats__xnode *first, *last, *next, *parent;
	long line;
	struct wats__xarena *arena; /* the root's: everything of the tree */
} wats__xnode;

typedef struct wats__xtree {
	wats__xnode *root, *cur;
	size_t nodes, max; /* elements so far, and the limit */
	struct wats__xarena *arena; /* the current root's (set when a root starts) */
} wats__xtree;

/** An element starts: add it under the current one (or as the root). 0 or an error. */
int wats__xtree_start(wats__xtree *t, wats__xml *x, const char *name, const char **atts);
/** The current element ends with this text (kept for leaves): move up. */
int wats__xtree_end(wats__xtree *t, const char *txt, size_t len);
/** Read a whole document into a tree (*root, freed with wats__xtree_free). */
int wats__xtree_read(wats__xnode **root, wats__cctx *c, size_t max_nodes);
/** Free a tree by its root (the whole of its arena). */
void wats__xtree_free(wats__xnode *root);
/** First child element named name (local), or NULL. */
wats__xnode *wats__xtree_child(const wats__xnode *n, const char *name);
/** Next sibling after n with the same name, or NULL. */
wats__xnode *wats__xtree_next_same(const wats__xnode *n);
/** Attribute value, or NULL. */
const char *wats__xtree_attr(const wats__xnode *n, const char *name);

#endif
