// Entry point: session check, login, layout and the hash router (#/dashboard, #/queue, ...).
import { api, h, fill, note, setCsrf, setUnauthorizedHandler } from './api.js';

const PAGES = [
  ['dashboard', 'Dashboard'], ['queue', 'Queue'], ['converters', 'Converters'],
  ['connection', 'Connection'], ['location', 'Location'], ['proxy', 'Proxy'],
  ['serial', 'Serial numbers'], ['software', 'Software'], ['logs', 'Logs'],
  ['setup', 'Setup'], ['about', 'About'],
];

const root = document.getElementById('root');
const banner = document.getElementById('banner');
let session = null;
let cleanup = null;   // the current page's stop function (polling timers)
let generation = 0;   // bumped on every navigation: late answers of an old page are dropped

// Marks the moment the page is usable (login form or first dashboard data) for the tests and
// docs/PERFORMANCE.md; only the first time after loading.
export function markUsable() {
  if (!performance.getEntriesByName('usable').length) performance.mark('usable');
}

export function isCurrent(gen) { return gen === generation; }

function showBanner(s) {
  if (s && s.loopback === false) {
    fill(banner, h('strong', null, 'Reachable from the network. '),
      'watsd is bound to ' + (s.bound || 'a non-loopback address') +
      ': anyone who can reach it can try to log in. Bind http.address to 127.0.0.1 unless ' +
      'you need remote access.');
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

function renderLogin(message) {
  stopPage();
  const err = h('div', { class: 'status', 'aria-live': 'assertive' }, message ? note('error', message) : null);
  const key = h('input', { id: 'login-key', name: 'key', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login', 'aria-label': 'Log in' },
    h('h1', null, 'watsd ', h('span', { class: 'muted' }, session?.instance || '')),
    h('label', { for: 'login-key' }, 'API key'), key, button, err);
  if (session && session.api_key_configured === false) {
    key.disabled = true;
    button.disabled = true;
    fill(err, note('error', 'No API key is configured, so nobody can log in.'),
      h('p', null, 'Set one, then restart watsd: ', h('code', null, 'wats config set http.api_key_file ' +
        '/etc/watsd/' + (session.instance || 'station') + '.apikey'),
        ' (a 0600 file holding at least 16 characters), or the environment variable ',
        h('code', null, 'WATSD_API_KEY'), '.'));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    fill(err, note('info', 'Checking…'));
    const r = await api('POST', '/api/login', { key: key.value });
    button.disabled = false;
    if (r.ok) {
      setCsrf(r.data.csrf);
      session = { ...session, authenticated: true, csrf: r.data.csrf };
      key.value = '';
      // replaceState: no hashchange, so the page is rendered once (by renderShell).
      if (!location.hash || location.hash === '#/login') history.replaceState(null, '', '#/dashboard');
      renderShell();
      return;
    }
    const why = r.status === 401 ? 'Wrong API key.'
      : r.status === 429 ? 'Too many wrong keys: wait a few seconds and try again.'
        : r.data.error || 'Login failed.';
    fill(err, note('error', why));
    key.select();
  });
  fill(root, h('main', { class: 'login-wrap' }, form));
  key.focus();
  markUsable();
}

async function logout() {
  await api('POST', '/api/logout');
  setCsrf('');
  session = { ...session, authenticated: false };
  renderLogin();
}

function stopPage() {
  generation++;
  if (cleanup) { try { cleanup(); } catch { /* the page is gone anyway */ } }
  cleanup = null;
}

let nav, main;

function renderShell() {
  nav = h('nav', { 'aria-label': 'Pages' }, h('ul', null, PAGES.map(([id, title]) =>
    h('li', null, h('a', { href: '#/' + id, 'data-page': id }, title)))));
  main = h('main', { id: 'main', tabindex: '-1' });
  fill(root,
    h('header', null, h('span', { class: 'brand' }, 'watsd'),
      h('span', { class: 'muted' }, (session.instance || '') + ' · ' + (session.version || '')),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: logout }, 'Log out')),
    h('div', { class: 'body' }, nav, main));
  route();
}

function routeId() {
  const id = (location.hash.match(/^#\/([a-z]+)/) || [])[1];
  return PAGES.some(([p]) => p === id) ? id : 'dashboard';
}

async function route() {
  if (!session?.authenticated) { renderLogin(); return; }
  if (!main || !main.isConnected) { renderShell(); return; }
  stopPage();
  const gen = generation;
  const id = routeId();
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = 'watsd · ' + PAGES.find(([p]) => p === id)[1];
  fill(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const mod = await import('./' + id + '.js');
    if (!isCurrent(gen)) return;
    const stop = await mod.render(main, { gen, session });
    if (isCurrent(gen)) cleanup = stop || null;
    else if (stop) stop();
  } catch (e) {
    if (isCurrent(gen)) fill(main, note('error', 'This page failed: ' + e.message));
  }
}

async function start() {
  setUnauthorizedHandler(() => {
    if (session?.authenticated) {
      session.authenticated = false;
      renderLogin('Your session ended: log in again.');
    }
  });
  // Fetch the page's module while the session is asked for (one round trip less).
  import('./' + routeId() + '.js').catch(() => {});
  const r = await api('GET', '/api/session');
  session = r.data || {};
  showBanner(session);
  if (!r.ok) { fill(root, note('error', r.data.error || 'watsd did not answer.')); return; }
  if (session.authenticated) {
    setCsrf(session.csrf);
    renderShell();
  } else {
    renderLogin();
  }
  window.addEventListener('hashchange', route);
}

start();
