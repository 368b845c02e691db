// #/serial: the serial-number check applied to converted reports; test a serial.
import { api, h, fill, note } from './api.js';
import { configPage } from './form.js';

export async function render(main) {
  await configPage(main, 'Serial numbers', [{ title: 'Serial-number check', fields: [
    { key: 'serial.pattern', label: 'Pattern (POSIX extended regex)', placeholder: '^[0-9]{12}$',
      hint: 'Empty: no check.' },
    { key: 'serial.action', label: 'When it does not match', type: 'select', def: 'reject',
      options: [['reject', 'Reject (error folder)'], ['warn', 'Warn (conversion log)']] },
  ] }], (form) => {
    const serial = h('input', { id: 'serial-test', type: 'text', spellcheck: 'false' });
    const out = h('div', { class: 'status test-status', 'aria-live': 'polite' });
    const button = h('button', { type: 'button' }, 'Test serial');
    button.addEventListener('click', async () => {
      const r = await api('POST', '/api/serial/test', { serial: serial.value });
      if (!r.ok) fill(out, note('error', r.data.error));
      else fill(out, note(r.data.ok ? 'ok' : 'error', (r.data.ok ? 'Accepted' : 'Rejected') +
        (r.data.message ? ': ' + r.data.message : '.')));
    });
    form.append(h('fieldset', null, h('legend', null, 'Test a serial number (saved pattern)'),
      h('div', { class: 'row' }, h('label', { for: 'serial-test' }, 'Serial number'), serial),
      h('div', { class: 'actions' }, button, out)));
  });
}
