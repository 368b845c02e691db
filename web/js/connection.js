// #/connection: server URL, token, timeouts; Test connection with the values in the form.
import { api, h, fill, note } from './api.js';
import { configPage } from './form.js';

const SECTIONS = [{ title: 'WATS server', fields: [
  { key: 'server.url', label: 'Server URL', placeholder: 'https://acme.wats.com' },
  { key: 'server.token', label: 'Token', type: 'secret', fileKey: 'server.token_file',
    hint: 'Write-only: a new value replaces the stored one.' },
  { key: 'server.timeout_ms', label: 'Timeout (ms)', type: 'number', min: 100, def: 30000 },
  { key: 'server.breaker_failures', label: 'Breaker: failures to open', type: 'number', min: 1, def: 5 },
  { key: 'server.breaker_open_ms', label: 'Breaker: open for (ms)', type: 'number', min: 100, def: 30000 },
] }];

export async function render(main) {
  await configPage(main, 'Connection', SECTIONS, (form) => {
    const out = h('div', { class: 'status test-status', 'aria-live': 'polite' });
    const button = h('button', { type: 'button' }, 'Test connection');
    button.addEventListener('click', async () => {
      const body = {};
      const url = form.elements['server.url'].value.trim();
      const token = form.elements['server.token'].value;
      if (url) body.url = url;
      if (token) body.token = token;
      button.disabled = true;
      fill(out, note('info', 'Testing…'));
      const r = await api('POST', '/api/test/connection', body);
      button.disabled = false;
      const d = r.data;
      if (r.ok && d.ok) {
        fill(out, note('ok', 'Connected: HTTP ' + d.http_status +
          (d.server_version ? ', server ' + d.server_version : '') + ', ' + d.latency_ms + ' ms.'));
      } else {
        fill(out, note('error', 'Connection failed: ' + (d.error || 'HTTP ' + (d.http_status || r.status))));
      }
    });
    form.append(h('fieldset', null, h('legend', null, 'Test'),
      h('p', { class: 'muted' }, 'Uses the URL and token in the form (the saved ones when empty; the saved token only with the saved URL); nothing is saved.'),
      h('div', { class: 'actions' }, button, out)));
  });
}
