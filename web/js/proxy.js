// #/proxy: how watsd reaches the server.
import { configPage } from './form.js';

export async function render(main) {
  await configPage(main, 'Proxy', [{ title: 'Proxy', fields: [
    { key: 'proxy.mode', label: 'Mode', type: 'select', def: 'system',
      options: [['system', 'System (http_proxy, https_proxy, no_proxy)'], ['none', 'None (direct)'],
        ['manual', 'Manual']] },
    { key: 'proxy.url', label: 'Proxy URL', placeholder: 'http://proxy:3128', hint: 'Manual mode only.' },
    { key: 'proxy.bypass', label: 'Bypass hosts', placeholder: 'localhost,.plant.local' },
    { key: 'proxy.username', label: 'User name' },
    { key: 'proxy.password', label: 'Password', type: 'secret', fileKey: 'proxy.password_file' },
  ] }]);
}
