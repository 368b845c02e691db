// #/queue: items by state, a report's JSON and conversion log, retry, purge.
import { api, h, fill, note, fmtTime, fmtBytes } from './api.js';

const STATES = ['queued', 'transferring', 'error', 'invalid', 'failed', 'sent'];
const WAITING = new Set(['queued', 'error']);           // a next attempt is planned
const PARKED = new Set(['error', 'invalid', 'failed']); // Retry makes sense

export async function render(main) {
  const picked = new Set(['queued', 'transferring', 'error', 'invalid', 'failed']);
  const boxes = STATES.map((s) => {
    const cb = h('input', { type: 'checkbox', value: s, checked: picked.has(s) });
    cb.addEventListener('change', () => { cb.checked ? picked.add(s) : picked.delete(s); load(); });
    return h('label', { class: 'check state-' + s }, cb, ' ' + s, h('span', { class: 'count', 'data-state': s }));
  });
  const auto = h('input', { type: 'checkbox', checked: true });
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const body = h('tbody');
  const detail = h('section', { class: 'detail', 'aria-label': 'Item', hidden: true });
  const retryAll = h('button', { type: 'button' }, 'Retry invalid + failed');
  const purgeSel = h('button', { type: 'button', class: 'danger' }, 'Purge shown states');
  let timer = null, busy = false;

  async function act(path, body, what) {
    const r = await api('POST', path, body);
    fill(status, r.ok ? note('ok', what + ': ' + r.data.count + ' item(s).') : note('error', r.data.error));
    await load();
  }
  retryAll.addEventListener('click', () =>
    act('/api/queue/retry', { states: ['invalid', 'failed'] }, 'Retried'));
  purgeSel.addEventListener('click', () => {
    const st = [...picked];
    if (!st.length || !confirm('Remove every item in: ' + st.join(', ') + '?')) return;
    act('/api/queue/purge', { states: st }, 'Purged');
  });

  async function show(id) {
    const r = await api('GET', '/api/queue/item?id=' + encodeURIComponent(id));
    detail.hidden = false;
    if (!r.ok) { fill(detail, note('error', r.data.error)); return; }
    const it = r.data.item || {};
    fill(detail, h('div', { class: 'titlebar' }, h('h2', null, 'Item ' + id),
      h('button', { type: 'button', onclick: () => { detail.hidden = true; } }, 'Close')),
    h('dl', { class: 'kv' }, [['State', it.state], ['Attempts', it.attempts],
      ['Next attempt', fmtTime(it.next_attempt)], ['Created', fmtTime(it.created)],
      ['Source', it.source], ['Converter', it.converter], ['Correlation id', it.cid],
      ['Size', fmtBytes(it.bytes)], ['HTTP status', it.http_status], ['Sent', fmtTime(it.sent)]]
      .map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '')])),
    it.last_error ? note('error', it.last_error) : null,
    h('h3', null, 'Conversion log'), h('pre', { class: 'log', 'aria-label': 'Conversion log' }, r.data.log || '(empty)'),
    h('h3', null, 'Report (WSJF)'),
    h('pre', { class: 'json', 'aria-label': 'Report JSON' }, r.data.report === null
      ? '(not kept: a sent report\'s payload is dropped)'
      : typeof r.data.report === 'string' ? r.data.report : JSON.stringify(r.data.report, null, 2)));
    detail.scrollIntoView({ block: 'nearest' });
  }

  function row(it) {
    return h('tr', { 'data-id': it.id, class: 'st-' + it.state },
      h('td', { class: 'mono', title: it.id }, String(it.id).slice(0, 8)),
      h('td', null, h('span', { class: 'badge ' + it.state }, it.state)),
      h('td', { class: 'num' }, it.attempts),
      h('td', { class: 'nowrap' }, WAITING.has(it.state) ? fmtTime(it.next_attempt) : ''),
      h('td', { class: 'msg' }, it.last_error || ''), h('td', { class: 'num' }, it.priority),
      h('td', { class: 'num' }, fmtBytes(it.bytes)), h('td', { class: 'nowrap' }, fmtTime(it.created)),
      h('td', { class: 'path', title: it.source || '' }, String(it.source || '').split('/').pop()),
      h('td', { class: 'nowrap' },
        h('button', { type: 'button', 'aria-label': 'View ' + it.id, onclick: () => show(it.id) }, 'View'),
        PARKED.has(it.state) ? h('button', { type: 'button', 'aria-label': 'Retry ' + it.id,
          onclick: () => act('/api/queue/retry', { id: it.id }, 'Retried') }, 'Retry') : null,
        h('button', { type: 'button', class: 'danger', 'aria-label': 'Purge ' + it.id,
          onclick: () => confirm('Remove item ' + it.id + '?') && act('/api/queue/purge', { id: it.id }, 'Purged') }, 'Purge')));
  }

  async function load() {
    if (busy) return;
    busy = true;
    const st = [...picked].join(',');
    const r = st ? await api('GET', '/api/queue?state=' + st + '&limit=200')
      : await api('GET', '/api/queue?limit=0');
    busy = false;
    if (!body.isConnected) return;
    if (!r.ok) { fill(status, note('error', r.data.error)); return; }
    for (const el of main.querySelectorAll('.count')) el.textContent = ' (' + (r.data.counts?.[el.dataset.state] ?? 0) + ')';
    const items = st ? r.data.items || [] : [];
    const total = [...picked].reduce((n, k) => n + (r.data.counts?.[k] || 0), 0);
    fill(body, items.length ? items.map(row)
      : h('tr', null, h('td', { colspan: 10, class: 'muted' }, 'No items in the chosen states.')),
    total > items.length ? h('tr', null, h('td', { colspan: 10, class: 'muted' },
      `The first ${items.length} of ${total} shown.`)) : null);
  }
  function schedule() { clearInterval(timer); timer = auto.checked ? setInterval(load, 2000) : null; }
  auto.addEventListener('change', schedule);

  fill(main, h('h1', null, 'Queue'),
    h('fieldset', { class: 'toolbar' }, h('legend', null, 'States'), boxes),
    h('div', { class: 'toolbar' }, h('label', { class: 'check' }, auto, ' Auto refresh'),
      h('button', { type: 'button', onclick: load }, 'Refresh'), retryAll, purgeSel, status),
    h('table', { class: 'queue', 'aria-label': 'Queue items' }, h('thead', null, h('tr', null,
      ['Id', 'State', 'Attempts', 'Next attempt', 'Last error', 'Prio', 'Size', 'Created', 'Source', '']
        .map((t) => h('th', null, t)))), body),
    detail);
  await load();
  schedule();
  return () => clearInterval(timer);
}
