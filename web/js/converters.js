// #/converters: the watch folders (path, converter, patterns, priority, enabled, post action,
// done/error folders, stable time); add/remove; Convert a file through the real converters.
import { api, h, fill, note } from './api.js';
import { loadConfig, field, collect, saveForm } from './form.js';

function entryFields(i, converters) {
  const k = (s) => `watch[${i}].${s}`;
  return [
    { key: k('path'), label: 'Folder', placeholder: '/data/results' },
    { key: k('converter'), label: 'Converter', type: 'select', def: 'auto', options: converters },
    { key: k('patterns'), label: 'Patterns', placeholder: '*.xml;*.json', hint: 'Separated by ;' },
    { key: k('priority'), label: 'Priority (1 first)', type: 'number', min: 1, max: 10, def: 5 },
    { key: k('enabled'), label: 'Enabled', type: 'checkbox', def: true },
    { key: k('post_action'), label: 'After conversion', type: 'select', def: 'move',
      options: [['move', 'Move to Done'], ['archive', 'Archive (Done/YYYY-MM-DD)'], ['delete', 'Delete'],
        ['leave', 'Leave']] },
    { key: k('done_dir'), label: 'Done folder', placeholder: '<folder>/Done' },
    { key: k('error_dir'), label: 'Error folder', placeholder: '<folder>/Error' },
    { key: k('stable_ms'), label: 'Stable for (ms)', type: 'number', min: 0, def: 500 },
  ];
}

function card(cfg, i, converters, onRemove) {
  const fields = entryFields(i, converters);
  const cur = cfg.watch?.[i]?.converter;
  if (cur && !converters.includes(cur)) fields[1].options = [cur, ...converters];
  const title = h('legend', null, 'Folder ' + (i + 1));
  const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': 'Remove folder ' + (i + 1) }, 'Remove');
  remove.addEventListener('click', onRemove);
  return h('fieldset', { class: 'watch' }, title, h('div', { class: 'grid' }, fields.map((f) => field(cfg, f))), remove);
}

// The entry a card stands for: its original object with the form's values over it.
function entryOf(cardEl, orig) {
  const out = { ...(orig || {}) };
  for (const el of cardEl.querySelectorAll('[name]')) {
    const short = el.name.replace(/^watch\[\d+\]\./, '');
    const f = el._field;
    if (f.type === 'checkbox') {
      if (el.checked === false || 'enabled' in out) out[short] = el.checked;
    } else if (f.type === 'select') {
      if (el.value !== f.def || short in out) out[short] = el.value;
    } else {
      const raw = el.value.trim();
      if (raw === '') delete out[short];
      else out[short] = f.type === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    }
  }
  return out;
}

export async function render(main) {
  const r = await loadConfig();
  if (!r.ok) { fill(main, h('h1', null, 'Converters'), note('error', r.data.error)); return; }
  const cfg = r.data.config || {};
  const converters = r.data.converters || ['auto'];
  // entries: [{orig: object | null}] in display order; structural edits send the whole array.
  let entries = (cfg.watch || []).map((w) => ({ orig: w }));
  let structural = false;
  const list = h('div', { class: 'watches' });
  const other = h('div');
  const status = h('div', { class: 'status save-status', 'aria-live': 'polite' });

  function snapshot() {
    const cards = [...list.children];
    return entries.map((e, i) => ({ orig: e.orig, now: cards[i] ? entryOf(cards[i], e.orig) : e.orig }));
  }
  function draw(values) {
    // values: current entries (form values) keyed by the original config for field diffs.
    const view = { ...cfg, watch: values.map((v) => v.now ?? v.orig ?? {}) };
    fill(list, values.map((v, i) => card(view, i, converters, () => {
      const snap = snapshot();
      snap.splice(i, 1);
      entries.splice(i, 1);
      structural = true;
      draw(snap);
    })));
    if (!values.length) list.append(h('p', { class: 'muted' }, 'No watch folders: add one.'));
  }
  draw(entries.map((e) => ({ orig: e.orig, now: e.orig })));

  const add = h('button', { type: 'button' }, 'Add folder');
  add.addEventListener('click', () => {
    const snap = snapshot();
    entries.push({ orig: null });
    snap.push({ orig: null, now: { patterns: '*', converter: 'auto' } });
    structural = true;
    draw(snap);
    list.lastChild.querySelector('input')?.focus();
  });

  const form = h('form', { class: 'settings', novalidate: true }, list, other,
    h('div', { class: 'actions' }, add, h('button', { type: 'submit', class: 'primary' }, 'Save'), status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let changes;
    if (structural) changes = { watch: snapshot().map((s) => s.now) };
    else changes = collect(form);
    const res = await saveForm(form, status, other, changes);
    if (!res) return;
    if (!form.isConnected) return; // the user went to another page meanwhile
    const done = note(res.restart.length ? 'warn' : 'ok', res.message);
    await render(main);
    main.querySelector('.save-status')?.replaceChildren(done);
  });

  fill(main, h('h1', null, 'Converters'),
    h('p', { class: 'muted' }, 'Files that match a folder\'s patterns are converted with its converter, lowest priority number first.'),
    form, convertBox(converters));
}

function convertBox(converters) {
  const file = h('input', { id: 'convert-file', type: 'file' });
  const conv = h('select', { id: 'convert-converter' },
    h('option', { value: '' }, 'auto (detect)'), converters.filter((c) => c !== 'auto').map((c) => h('option', { value: c }, c)));
  const button = h('button', { type: 'button', class: 'primary' }, 'Convert');
  const out = h('div', { class: 'result', 'aria-live': 'polite', 'aria-label': 'Conversion result' });
  button.addEventListener('click', async () => {
    const f = file.files[0];
    if (!f) { fill(out, note('error', 'Choose a file first.')); return; }
    if (f.size > 16 * 1048576) { fill(out, note('error', 'The file is larger than 16 MiB.')); return; }
    button.disabled = true;
    fill(out, note('info', 'Converting ' + f.name + '…'));
    let q = '/api/test/convert?name=' + encodeURIComponent(f.name);
    if (conv.value) q += '&converter=' + encodeURIComponent(conv.value);
    const r = await api('POST', q, f);
    button.disabled = false;
    const d = r.data;
    if (!r.ok && !('ok' in d)) { fill(out, note('error', d.error)); return; }
    const e = d.error;
    const reports = d.reports || [];
    const serial = reports.some((rp) => rp.serial_ok !== undefined);
    fill(out,
      d.ok ? note('ok', `Converted with ${d.converter}: ${d.count ?? reports.length} report(s)` +
        (d.count > reports.length ? ` (the first ${reports.length} listed)` : '') + '. Nothing was queued.')
        : note('error', 'Conversion failed' + (d.converter ? ' (' + d.converter + ')' : '') + ': ' +
          (e ? e.message + (e.line ? ` (line ${e.line}${e.column ? ', column ' + e.column : ''})` : '') +
            (e.path ? ' at ' + e.path : '') : 'unknown error')),
      reports.length ? h('table', { 'aria-label': 'Converted reports' }, h('thead', null, h('tr', null,
        ['Id', 'Type', 'Serial', 'Part', 'Result', 'Steps', serial ? 'Serial check' : null, '']
          .filter((t) => t !== null).map((t) => h('th', null, t)))),
      h('tbody', null, reports.map((rp) => h('tr', null, h('td', { class: 'mono' }, rp.id),
        h('td', null, rp.type), h('td', null, rp.serial_number), h('td', null, rp.part_number),
        h('td', null, rp.result), h('td', { class: 'num' }, rp.steps),
        serial ? h('td', { class: rp.serial_ok === false ? 'bad' : '' },
          rp.serial_ok === false ? 'rejected: ' + (rp.serial_message || '') : 'ok') : null,
        h('td', null, h('details', null, h('summary', null, 'JSON'),
          h('pre', { class: 'json' }, typeof rp.json === 'string' ? rp.json : JSON.stringify(rp.json, null, 2)))))))) : null,
      h('h3', null, 'Conversion log'), h('pre', { class: 'log', 'aria-label': 'Conversion log' }, d.log || '(empty)'));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'convert-h' },
    h('h2', { id: 'convert-h' }, 'Convert a file'),
    h('p', { class: 'muted' }, 'Runs the real converter on a file from this computer and shows the reports; nothing is queued or uploaded.'),
    h('div', { class: 'toolbar' }, h('label', { for: 'convert-file' }, 'File to convert'), file,
      h('label', { for: 'convert-converter' }, 'Convert with'), conv, button), out);
}
