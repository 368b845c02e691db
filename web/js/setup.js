// #/setup: workers, queue limits, backoff, rescan, shutdown grace, logging.
import { configPage } from './form.js';

export async function render(main) {
  await configPage(main, 'Setup', [
    { title: 'Workers', fields: [
      { key: 'workers.convert', label: 'Converter threads', type: 'number', min: 1, max: 64, def: 2 },
      { key: 'workers.upload', label: 'Upload threads', type: 'number', min: 1, max: 64, def: 4 },
    ] },
    { title: 'Queue', fields: [
      { key: 'queue.max_items', label: 'Max items', type: 'number', min: 0, def: 100000 },
      { key: 'queue.max_bytes', label: 'Max bytes', type: 'number', min: 0, def: 2147483648 },
      { key: 'queue.max_attempts', label: 'Max attempts', type: 'number', min: 1, max: 1000, def: 10 },
      { key: 'queue.backoff_base_ms', label: 'Backoff base (ms)', type: 'number', min: 1, def: 2000 },
      { key: 'queue.backoff_max_ms', label: 'Backoff max (ms)', type: 'number', min: 1, def: 300000 },
      { key: 'queue.keep_sent_hours', label: 'Keep sent items (hours)', type: 'number', min: 0, def: 168 },
    ] },
    { title: 'Service', fields: [
      { key: 'rescan_ms', label: 'Rescan folders every (ms)', type: 'number', min: 100, def: 30000 },
      { key: 'shutdown_grace_ms', label: 'Shutdown grace (ms)', type: 'number', min: 0, def: 10000 },
      { key: 'log.level', label: 'Log level', type: 'select', def: 'info',
        options: ['debug', 'info', 'warning', 'error', 'critical'] },
      { key: 'log.format', label: 'Log format', type: 'select', def: 'text', options: ['text', 'json'] },
      { key: 'log.file', label: 'Log file', placeholder: '(stderr / journal)' },
    ] },
  ]);
}
