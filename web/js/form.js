// Config forms: one labelled input per dotted key (name="server.url"), an error element next to
// it (data-err-for="server.url"), and a save that sends only the keys that changed.
import { api, h, fill, nextId, note } from './api.js';

// "watch[0].priority" -> ['watch', 0, 'priority']
export function splitKey(key) {
  const out = [];
  for (const part of key.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) { out.push(part); continue; }
    if (m[1]) out.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

export function getKey(obj, key) {
  let v = obj;
  for (const p of splitKey(key)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[p];
  }
  return v;
}

export async function loadConfig() {
  return api('GET', '/api/config');
}

// A secret is shown as {"set": bool}; a *_file beside it also means it is set.
function secretIsSet(cfg, f) {
  const v = getKey(cfg, f.key);
  if (v && typeof v === 'object') return !!v.set;
  return f.fileKey ? !!getKey(cfg, f.fileKey) : false;
}

// One field: {key, label, type: text|number|secret|select|checkbox, options, def, min, max,
// hint}. Returns the row; the input keeps its original value for the diff.
export function field(cfg, f) {
  const id = nextId('f');
  const errId = id + '-err';
  const orig = getKey(cfg, f.key);
  const common = { id, name: f.key, 'aria-describedby': errId };
  let input;
  if (f.type === 'select') {
    const cur = orig ?? f.def ?? '';
    input = h('select', common, f.options.map((o) => {
      const [v, t] = Array.isArray(o) ? o : [o, o];
      return h('option', { value: v, selected: v === cur }, t);
    }));
  } else if (f.type === 'checkbox') {
    input = h('input', { ...common, type: 'checkbox', checked: orig ?? f.def ?? false });
  } else if (f.type === 'secret') {
    input = h('input', { ...common, type: 'password', autocomplete: 'new-password',
      placeholder: secretIsSet(cfg, f) ? 'set' : 'not set' });
  } else if (f.type === 'number') {
    input = h('input', { ...common, type: 'number', min: f.min, max: f.max, step: 1,
      value: orig ?? '', placeholder: f.def !== undefined ? String(f.def) + ' (default)' : '' });
  } else {
    input = h('input', { ...common, type: 'text', value: orig ?? '', spellcheck: 'false',
      placeholder: f.placeholder || '' });
  }
  input._field = f;
  input._orig = orig;
  const label = h('label', { for: id }, f.label);
  return h('div', { class: 'row' + (f.type === 'checkbox' ? ' check' : '') },
    label, input, f.hint ? h('small', { class: 'hint' }, f.hint) : null,
    h('span', { class: 'err', id: errId, 'data-err-for': f.key }));
}

// The value an input stands for, or undefined when it does not change the file.
export function changeOf(input) {
  const f = input._field, orig = input._orig;
  if (f.type === 'secret') return input.value === '' ? undefined : input.value;
  if (f.type === 'checkbox') {
    return input.checked === (orig ?? f.def ?? false) ? undefined : input.checked;
  }
  if (f.type === 'select') {
    return input.value === (orig ?? f.def ?? '') ? undefined : input.value;
  }
  const raw = input.value.trim();
  if (raw === '') return orig === undefined || orig === null || orig === '' ? undefined : null;
  let v = raw;
  if (f.type === 'number') v = Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return v === orig ? undefined : v;
}

export function collect(form) {
  const changes = {};
  for (const el of form.querySelectorAll('[name]')) {
    if (!el._field) continue;
    const v = changeOf(el);
    if (v !== undefined) changes[el.name] = v;
  }
  return changes;
}

// Put each per-key error next to its field; the rest (keys without a field) in `other`.
export function showErrors(form, errors, other) {
  clearErrors(form);
  const rest = [];
  for (const [k, msg] of Object.entries(errors || {})) {
    const slot = [...form.querySelectorAll('[data-err-for]')].find((e) => e.dataset.errFor === k);
    if (slot) {
      // "config FILE: key "K": rule" -> "rule": the field already says which key.
      slot.textContent = String(msg).replace(/^.*?key "[^"]*": /, '');
      slot.title = msg;
      const input = [...form.querySelectorAll('[name]')].find((e) => e.name === k);
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      rest.push(k + ': ' + msg);
    }
  }
  if (other) fill(other, rest.length ? note('error', rest.join('\n')) : null);
}

export function clearErrors(form) {
  for (const e of form.querySelectorAll('[data-err-for]')) e.textContent = '';
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

// PUT /api/config; returns {ok, errors?, message}.
export async function save(changes) {
  const r = await api('PUT', '/api/config', { changes });
  if (r.status === 400 && r.data.errors) return { ok: false, errors: r.data.errors };
  if (!r.ok) return { ok: false, message: r.data.error || 'HTTP ' + r.status };
  const restart = r.data.restart_required || [];
  let message = 'Saved and applied.';
  if (r.data.applied === false && r.data.error) {
    message = 'Saved, but not applied: ' + r.data.error + '. Restart watsd to use it.';
    return { ok: true, message, restart: ['*'] };
  }
  if (restart.includes('*')) message = 'Saved; needs a restart: every change.';
  else if (restart.length) message = 'Saved; needs a restart: ' + restart.join(', ') + '.';
  return { ok: true, message, restart };
}

// A whole settings page: sections [{title, fields}], saved together. extra(form) may append
// more (buttons such as Test connection). Returns the form.
// Save changes made in form, telling the outcome in status; field errors go next to their
// fields (or into other). Returns the answer once saved, else null.
export async function saveForm(form, status, other, changes) {
  if (!Object.keys(changes).length) { fill(status, note('info', 'Nothing changed.')); return null; }
  fill(status, note('info', 'Saving…'));
  const res = await save(changes);
  if (res.errors) {
    showErrors(form, res.errors, other);
    fill(status, note('error', 'Not saved: fix the fields marked in red.'));
    return null;
  }
  if (!res.ok) { fill(status, note('error', 'Not saved: ' + res.message)); return null; }
  clearErrors(form);
  return res;
}

export async function configPage(main, title, sections, extra) {
  const r = await loadConfig();
  if (!r.ok) { fill(main, h('h1', null, title), note('error', r.data.error)); return null; }
  const cfg = r.data.config || {};
  const status = h('div', { class: 'status save-status', 'aria-live': 'polite' });
  const other = h('div');
  const form = h('form', { class: 'settings', novalidate: true },
    sections.map((s) => h('fieldset', null, h('legend', null, s.title),
      s.fields.map((f) => field(cfg, f)))),
    other,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'),
      status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const res = await saveForm(form, status, other, collect(form));
    if (!res) return;
    fill(other);
    if (!form.isConnected) return; // the user went to another page meanwhile
    const done = note(res.restart.length ? 'warn' : 'ok', res.message);
    await configPage(main, title, sections, extra);
    main.querySelector('.save-status')?.replaceChildren(done);
  });
  fill(main, h('h1', null, title), form);
  if (extra) extra(form, r.data);
  return form;
}
