// #/logs: the service's recent log lines (an in-memory ring in watsd), level filter, auto refresh.
import { api, h, fill, note, fmtTime } from './api.js';

export async function render(main) {
  const level = h('select', { id: 'log-level', name: 'level' },
    ['debug', 'info', 'warning', 'error'].map((l) => h('option', { value: l, selected: l === 'info' }, l)));
  const auto = h('input', { id: 'log-auto', type: 'checkbox', checked: true });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const body = h('tbody');
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  let timer = null;
  let busy = false;
  async function load() {
    if (busy) return;
    busy = true;
    const r = await api('GET', '/api/logs?level=' + level.value + '&limit=500');
    busy = false;
    if (!body.isConnected) return;
    if (!r.ok) { fill(status, note('error', r.data.error)); return; }
    fill(status);
    const near = main.scrollHeight - main.scrollTop - main.clientHeight < 40;
    fill(body, (r.data.lines || []).map((l) => h('tr', { class: 'lv-' + String(l.level).toLowerCase() },
      h('td', { class: 'nowrap' }, fmtTime(l.time)), h('td', null, l.level),
      h('td', { class: 'mono' }, l.cid || ''), h('td', { class: 'msg' }, l.message))));
    if (near) main.scrollTop = main.scrollHeight;
  }
  function schedule() {
    clearInterval(timer);
    timer = auto.checked ? setInterval(load, 2000) : null;
  }
  level.addEventListener('change', load);
  auto.addEventListener('change', schedule);
  refresh.addEventListener('click', load);
  fill(main, h('h1', null, 'Logs'),
    h('div', { class: 'toolbar' }, h('label', { for: 'log-level' }, 'Level at least'), level,
      h('label', { class: 'check' }, auto, ' Auto refresh'), refresh, status),
    h('table', { class: 'logs' }, h('thead', null, h('tr', null, h('th', null, 'Time'),
      h('th', null, 'Level'), h('th', null, 'Correlation'), h('th', null, 'Message'))), body));
  await load();
  schedule();
  return () => clearInterval(timer);
}
