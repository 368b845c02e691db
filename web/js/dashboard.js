// #/dashboard: live state, polled every second (GET /api/dashboard).
import { api, h, fill, note, fmtTime } from './api.js';
import { markUsable } from './app.js';

const STATES = ['queued', 'transferring', 'error', 'invalid', 'failed', 'sent'];
const NS = 'http://www.w3.org/2000/svg';

function card(label, value, kind) {
  return h('div', { class: 'card' + (kind ? ' ' + kind : ''), role: 'group', 'aria-label': label },
    h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...kids);
  return el;
}

// Bars per minute for the last hour, oldest left: ok on the bottom, failures stacked on top.
function chart(title, ok, bad) {
  ok = ok || []; bad = bad || [];
  const n = Math.max(ok.length, bad.length, 60);
  const max = Math.max(1, ...ok.map((v, i) => v + (bad[i] || 0)));
  const W = 600, H = 90, bw = W / n;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H + 14}`, role: 'img', class: 'chart',
    'aria-label': `${title}: ${sum(ok)} in the last hour, ${sum(bad)} failed` });
  g.append(svg('line', { x1: 0, y1: H, x2: W, y2: H, class: 'axis' }));
  for (let i = 0; i < n; i++) {
    const a = ok[i] || 0, b = bad[i] || 0;
    const x = i * bw + 1, ha = a / max * (H - 4), hb = b / max * (H - 4);
    const tip = svg('title', {}, `${n - i} min ago: ${a} ok, ${b} failed`);
    if (a) g.append(svg('rect', { x, y: H - ha, width: bw - 2, height: ha, class: 'ok' }, tip.cloneNode(true)));
    if (b) g.append(svg('rect', { x, y: H - ha - hb, width: bw - 2, height: hb, class: 'bad' }, tip));
  }
  g.append(svg('text', { x: 0, y: H + 12, class: 'tick' }, '60 min ago'),
    svg('text', { x: W, y: H + 12, class: 'tick', 'text-anchor': 'end' }, 'now'));
  return h('figure', null, h('figcaption', null, title, ' ',
    h('span', { class: 'muted' }, `${sum(ok)} in the last hour · ${sum(bad)} failed · scale ${max}/min`)), g);
}

function sum(a) { return (a || []).reduce((s, v) => s + v, 0); }

function view(d) {
  const s = d.status || {};
  const pm = d.per_minute || {};
  const q = d.queue || s.queue || {};
  const c = s.counters || {};
  const srv = d.server || {};
  const breaker = d.breaker || s.breaker || 'unknown';
  return [
    h('section', { class: 'cards', 'aria-label': 'State' },
      card('Service', s.ready === false ? 'not ready' : 'ready', s.ready === false ? 'bad' : 'good'),
      card('Server', srv.reachable === false ? 'unreachable' : srv.reachable ? 'reachable' : 'unknown',
        srv.reachable === false ? 'bad' : srv.reachable ? 'good' : ''),
      card('Breaker', breaker, { closed: 'good', 'half-open': 'warn', open: 'bad' }[breaker] || ''),
      card('Uploads', s.uploads_paused ? 'paused' : 'running', s.uploads_paused ? 'warn' : ''),
      card('Files converted', c.files_converted ?? sum(pm.converted)),
      card('Files failed', c.files_failed ?? sum(pm.failed), (c.files_failed ?? sum(pm.failed)) ? 'bad' : ''),
      card('Reports sent', c.reports_sent ?? sum(pm.uploaded))),
    s.ready === false && (s.not_ready || []).length
      ? note('error', 'Not ready: ' + s.not_ready.join('; ')) : null,
    srv.reachable === false && srv.error ? note('error', 'Server: ' + srv.error) : null,
    h('section', { class: 'cards', 'aria-label': 'Queue' },
      STATES.map((st) => card('Queue ' + st, q[st] ?? 0,
        (st === 'failed' || st === 'invalid') && q[st] ? 'bad' : ''))),
    h('section', { class: 'charts' },
      chart('Files converted per minute', pm.converted, pm.failed),
      chart('Reports uploaded per minute', pm.uploaded, pm.upload_failed)),
    (s.watch || []).length ? [h('h2', null, 'Watch folders'),
      h('table', { 'aria-label': 'Watch folders' }, h('thead', null, h('tr', null,
        ['Folder', 'Priority', 'State'].map((t) => h('th', null, t)))),
      h('tbody', null, s.watch.map((w) => h('tr', null, h('td', { class: 'path' }, w.path),
        h('td', { class: 'num' }, w.priority),
        h('td', { class: w.present === false ? 'bad' : '' },
          w.enabled === false ? 'disabled' : w.present === false ? 'missing' : 'watched')))))] : null,
    h('h2', null, 'Last errors'),
    (d.last_errors || []).length
      ? h('table', { 'aria-label': 'Last errors' }, h('thead', null, h('tr', null,
        ['Time', 'Kind', 'Subject', 'Correlation', 'Message'].map((t) => h('th', null, t)))),
      h('tbody', null, d.last_errors.slice().reverse().map((e) => h('tr', null,
        h('td', { class: 'nowrap' }, fmtTime(e.time)), h('td', null, e.kind),
        h('td', { class: 'path' }, e.subject), h('td', { class: 'mono' }, e.cid || ''),
        h('td', { class: 'msg' }, e.message)))))
      : h('p', { class: 'muted' }, 'None.'),
  ];
}

export async function render(main) {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const stamp = h('span', { class: 'muted', 'aria-live': 'off' });
  fill(main, h('div', { class: 'titlebar' }, h('h1', null, 'Dashboard'), stamp), body);
  let stopped = false, timer = null, last = '';
  async function tick() {
    const r = await api('GET', '/api/dashboard');
    if (stopped) return;
    if (r.ok) {
      // Redraw only when something changed (keeps a selection or a bar's tooltip).
      const { uptime_s: _u, ...rest } = r.data.status || {};
      const key = JSON.stringify({ ...r.data, status: rest });
      if (key !== last) fill(body, view(r.data));
      last = key;
      stamp.textContent = 'updated ' + fmtTime(new Date()).slice(11);
      markUsable();
    } else if (r.status !== 401) {
      last = '';
      stamp.textContent = '';
      fill(body, note('error', 'No answer from watsd: ' + r.data.error));
    }
    timer = setTimeout(tick, 1000);
  }
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}
