// JSON API client and tiny DOM helpers shared by every page (docs/web.md, "API").
let csrf = '';
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || ''; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// One request. Never throws for an HTTP status: pages show the server's error message.
// body: an object (sent as JSON) or a Blob/File (sent as raw bytes).
export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') opts.headers['X-CSRF-Token'] = csrf;
  if (body instanceof Blob) {
    opts.body = body;
    opts.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    return { status: 0, ok: false, data: { error: 'watsd is not reachable (' + e.message + ')' } };
  }
  let data = {};
  try { data = await r.json(); } catch { /* an empty or non-JSON answer */ }
  if (r.status === 401 && path !== '/api/login') onUnauthorized();
  if (!r.ok && !data.error && !data.errors) data.error = 'HTTP ' + r.status;
  return { status: r.status, ok: r.ok, data: data || {} };
}

// h('div', {class: 'x', onclick: fn}, child, 'text', ...): an element. Attributes that are
// null/false are left out; true gives an empty attribute.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// Replace an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix) { return (prefix || 'f') + '-' + (++uid); }

export function fmtTime(t) {
  if (t === null || t === undefined || t === '') return '';
  const d = t instanceof Date ? t : typeof t === 'number' ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
  if (isNaN(d)) return String(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

// A message line: kind 'ok' | 'error' | 'info'; role=status so screen readers announce it.
export function note(kind, text) {
  return h('p', { class: 'note ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}
