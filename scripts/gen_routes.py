#!/usr/bin/env python3
"""Generate src/lib/api/routes_table.c from the endpoint table in routes.md.

Usage: scripts/gen_routes.py [ROUTES_MD] [OUTPUT_C]
Defaults: ../shared/reference/routes.md and src/lib/api/routes_table.c (relative to the repo).

Standard library only. The output is committed; CI does not run this script, and a test parses
routes.md again at test time to check every route's method and path in the compiled table.

For each row of the tables (one per method+path; rows with a parenthesised id such as "(A2)"
repeat a route listed elsewhere and are skipped) the generator derives:
  name     <domain>.<first service operation>, or the repo-only name, or a name from the
           path; clashes (GET and POST variants of the same operation) get a suffix;
  query    the query-parameter names (comma-separated; "id/sn" means id and serialNumber);
  body     none, JSON (with the shape text) or raw (with its Content-Type);
  flags    internal (Referer header), idempotent POST (read-only queries; report submission
           made idempotent by the report id), raw response;
  cache    which static GETs are cached and which writes invalidate them.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# GETs whose answers are static enough to cache (tag names are WATS_CACHE_* in client.h).
CACHE = {
    "A1": "VERSION", "A2": "PROCESSES", "A3": "LEVELS", "A4": "PRODUCT_GROUPS",
    "P1": "PROCESSES", "P2": "PROCESSES", "P3": "PROCESSES", "P4": "PROCESSES",
    "PR8": "PRODUCT_GROUPS", "PD20": "UNIT_PHASES", "PD4": "SN_TYPES",
}
# Writes invalidate by domain: only product writes can change product groups; nothing the API
# writes changes the version, processes, levels, unit phases or serial-number types.
INVALIDATE = {"product": "PRODUCT_GROUPS"}
# POSTs that are safe to repeat: report submission (the report id makes it idempotent) and the
# read-only analytics queries that use POST only to carry a filter body.
IDEMPOTENT_POST = {"R3", "R5"}

# Names for rows whose service column gives none, or whose derived name would mislead.
NAME_OVERRIDE = {
    "PR17": "get_product_by_pn",
    "PR23": "get_product_tags_internal",
    "PR24": "put_product_tags",
    "PR25": "get_revision_tags_internal",
    "PR26": "put_revision_tags",
    "PR19": "update_subunit",
    "S9": "set_package_status",
    "PD23": "get_unit_internal",
    "PD27": "get_unit_phase",
    "PD28": "get_unit_process",
    "PD38": "delete_free_serial_numbers",
    "MI8": "get_relation_conflicts_legacy",
    "MI16": "get_mi_details_legacy",
}

SECTION = re.compile(r"^## \d+\. .*?\(`api\.(\w+)`")
MI_BASE = "/api/internal/ManualInspection"


def split_row(line):
    cells, cur, i = [], "", 0
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if s[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += s[i]
        i += 1
    cells.append(cur.strip())
    return cells


def strip_parens(text):
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)", "", text)
    return text


ITEM = re.compile(r"^(\$?[A-Za-z][A-Za-z0-9]*)\??\s*(=.*)?$")


def parse_query_body(text):
    """Return (query names, body kind, content type, body shape)."""
    names, body, ctype, shape = [], "NONE", None, ""
    clean = strip_parens(text).strip()
    if clean in ("", "–", "-", "none"):
        return names, body, ctype, shape
    for clause in clean.split(";"):
        c = clause.strip().replace("**PascalCase**:", "").strip()
        if not c:
            continue
        if c.startswith("body"):
            body = "JSON"
            shape = c[4:].strip().lstrip("=").strip()
            continue
        if c.startswith("raw"):
            body = "RAW"
            m = re.search(r"Content-Type(?::| default)\s*`?([\w/+.-]+)`?", c)
            ctype = m.group(1) if m else "application/octet-stream"
            shape = c.split(",")[0]
            continue
        if c.startswith("intended multipart"):
            body = "RAW"
            ctype = "application/octet-stream"
            shape = "file bytes (pyWATS intended multipart field `file`; it never worked)"
            continue
        if "query" in c.split() or c.startswith("**also** query") or c.startswith("`?"):
            for tok in re.findall(r"`\??([$A-Za-z][A-Za-z0-9]*)", c):
                names.append(tok)
            if c.startswith("query "):
                for item in c[6:].split(","):
                    m = ITEM.match(item.strip().strip("`"))
                    if m and m.group(1) not in names:
                        names.append(m.group(1))
            continue
        items = [i.strip() for i in c.split(",")]
        parsed = []
        for item in items:
            if item == "id/sn":
                parsed += ["id", "serialNumber"]
                continue
            m = ITEM.match(item.replace("`", ""))
            if not m:
                parsed = None  # prose, not a parameter list
                break
            parsed.append(m.group(1))
        if parsed:
            names += parsed
    out = []
    for n in names:
        if n not in out:
            out.append(n)
    return out, body, ctype, shape


def op_name(rid, ops):
    if rid in NAME_OVERRIDE:
        return NAME_OVERRIDE[rid]
    m = re.match(r"repo-only \((\w+)\)", ops)
    if m:
        return m.group(1)
    for piece in re.split(r"[,;]", ops):
        m = re.match(r"\s*(?:also\s+)?([A-Za-z_][\w.]*)", piece)
        if m and m.group(1) != "repo":
            return m.group(1).split(".")[-1]
    return None


def name_from_path(method, path):
    seg = [s for s in path.split("/") if s and not s.startswith("{")][-1]
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", seg).lower()
    return snake if snake.startswith(("get", "put", "post", "delete")) else method.lower() + "_" + snake


def parse(md_path):
    routes, by_id = [], {}
    domain = None
    prev = None
    with open(md_path, encoding="utf-8") as f:
        for line in f:
            m = SECTION.match(line)
            if m:
                domain = m.group(1)
                continue
            if not line.startswith("| ") or domain is None:
                continue
            cells = split_row(line)
            if len(cells) < 6 or cells[1] not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                continue
            idcell = cells[0]
            if idcell.startswith("("):
                continue
            rid = idcell.split()[0]
            internal = "INT" in idcell.split()[1:]
            method, path = cells[1], cells[2].strip("`")
            if domain == "manual_inspection":
                path = MI_BASE + path
            qtext = cells[3]
            m = re.match(r"^(?:same .* )?as (\w+)$", strip_parens(qtext).strip())
            if m and m.group(1) in by_id:
                src = by_id[m.group(1)]
                q, body, ctype, shape = list(src["query"]), src["body"], src["ctype"], src["shape"]
            elif qtext.strip() == "same four" and prev:
                q, body, ctype, shape = list(prev["query"]), prev["body"], prev["ctype"], prev["shape"]
            else:
                q, body, ctype, shape = parse_query_body(qtext)
            ops = cells[4]
            name = op_name(rid, ops) or name_from_path(method, path)
            r = {
                "id": rid, "domain": domain, "name": domain + "." + name, "method": method,
                "path": path, "query": q, "body": body, "ctype": ctype, "shape": shape,
                "ops": ops, "response": cells[5], "internal": internal,
            }
            routes.append(r)
            by_id[rid] = r
            prev = r
    # Same operation reached by GET (parameters) and POST (a filter body): suffix the POST.
    seen = {}
    for r in routes:
        if r["name"] in seen:
            other = seen[r["name"]]
            if r["method"] == "POST" and other["method"] == "GET":
                r["name"] += "_by_filter"
            else:
                r["name"] += "_" + r["id"].lower()
        seen[r["name"]] = r
    names = [r["name"] for r in routes]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit("gen_routes: duplicate names: %s" % ", ".join(sorted(dup)))
    return routes


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flags_of(r):
    f = []
    if r["internal"]:
        f.append("WATS_ROUTE_INTERNAL")
    post_query = r["method"] == "POST" and r["domain"] == "analytics"
    if r["id"] in IDEMPOTENT_POST or post_query:
        f.append("WATS_ROUTE_IDEMPOTENT")
    if r["method"] != "GET":
        # Every route write names what it invalidates (possibly nothing); only raw requests
        # outside the table fall back to dropping the whole cache.
        f.append("WATS_ROUTE_KEEP_CACHE")
    if "raw" in r["response"].lower():
        f.append("WATS_ROUTE_RAW_RESPONSE")
    return " | ".join(f) if f else "0"


def emit(routes, out_path, md_rel):
    lines = [
        "/*",
        " * GENERATED by scripts/gen_routes.py from %s - do not edit by hand." % md_rel,
        " * One row per REST route pyWATS calls: id, name, method, path template, query names,",
        " * body kind, content type, body shape, response, flags, cache tags, invalidated tags.",
        " */",
        '#include "api/routes.h"',
        "",
        "const wats_route wats__routes[] = {",
    ]
    for r in routes:
        cache = "WATS_CACHE_" + CACHE[r["id"]] if r["id"] in CACHE and r["method"] == "GET" else "0"
        inval = "0"
        if r["method"] != "GET" and r["domain"] in INVALIDATE:
            inval = "WATS_CACHE_" + INVALIDATE[r["domain"]]
        lines.append(
            "\t{ %s, %s, %s, %s, %s, WATS_BODY_%s, %s, %s, %s, %s, %s, %s }," % (
                c_str(r["id"]), c_str(r["name"]), c_str(r["method"]), c_str(r["path"]),
                c_str(",".join(r["query"])), r["body"], c_str(r["ctype"]), c_str(r["shape"]),
                c_str(r["response"]), flags_of(r), cache, inval))
    lines += ["};", "", "const size_t wats__route_count = sizeof(wats__routes) / sizeof(wats__routes[0]);", ""]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    md = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "reference", "routes.md")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "src", "lib", "api", "routes_table.c")
    routes = parse(md)
    emit(routes, out, "shared/reference/routes.md")
    print("gen_routes: %d routes -> %s" % (len(routes), os.path.relpath(out, REPO)))


if __name__ == "__main__":
    main()
