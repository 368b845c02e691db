// #/about: version, files, uptime, libraries.
import { api, h, fill, note, fmtTime } from './api.js';

export async function render(main) {
  const r = await api('GET', '/api/about');
  if (!r.ok) { fill(main, h('h1', null, 'About'), note('error', r.data.error)); return; }
  const d = r.data;
  const rows = [['Version', d.version], ['Instance', d.instance], ['Config file', d.config_file],
    ['State folder', d.state_dir], ['Started', fmtTime(d.started)], ['Uptime', uptime(d.uptime_s)]];
  const libs = Object.entries(d.libraries || {});
  fill(main, h('h1', null, 'About'),
    h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '')])),
    h('h2', null, 'Libraries'),
    h('dl', { class: 'kv' }, libs.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
}

function uptime(s) {
  if (typeof s !== 'number') return '';
  const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + ' d ' : '') + hh + ' h ' + m + ' min ' + Math.floor(s % 60) + ' s';
}
