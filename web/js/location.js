// #/location: the station identity written into every report.
import { configPage } from './form.js';

export async function render(main) {
  await configPage(main, 'Location', [{ title: 'Station', fields: [
    { key: 'station.name', label: 'Station name', hint: 'Default: the machine name.' },
    { key: 'station.location', label: 'Location', placeholder: 'Unknown' },
    { key: 'station.purpose', label: 'Purpose', placeholder: 'Production' },
  ] }]);
}
