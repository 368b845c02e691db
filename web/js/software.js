// #/software: where packages go; the packages the server offers.
import { api, h, fill, note } from './api.js';
import { configPage } from './form.js';

const COLS = ['name', 'version', 'partNumber', 'status', 'description'];

export async function render(main) {
  await configPage(main, 'Software', [{ title: 'Packages', fields: [
    { key: 'software.dir', label: 'Package folder', placeholder: '/var/lib/watsd/software' },
  ] }], (form) => {
    const box = h('div', null, h('p', { class: 'muted' }, 'Asking the server…'));
    form.append(h('fieldset', null, h('legend', null, 'Packages on the server'), box));
    api('GET', '/api/software').then((r) => {
      if (!form.isConnected) return;
      const d = r.data;
      if (!r.ok || d.error) { fill(box, note('error', d.error || 'HTTP ' + r.status)); return; }
      const pk = d.packages || [];
      if (!pk.length) { fill(box, h('p', { class: 'muted' }, 'No packages.')); return; }
      const cols = COLS.filter((c) => pk.some((p) => p[c] !== undefined));
      fill(box, h('table', null, h('thead', null, h('tr', null, cols.map((c) => h('th', null, c)))),
        h('tbody', null, pk.map((p) => h('tr', null, cols.map((c) => h('td', null, fmt(p[c]))))))));
    });
  });
}

function fmt(v) { return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v); }
