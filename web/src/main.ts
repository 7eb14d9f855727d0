/**
 * The dashboard's shell: landmarks (banner, navigation, main), the key prompt, and a hash router over
 * the four pages. The session (whether auth is on, the key's role) comes from GET /dashboard/session;
 * a 401 there means "ask for a key", with no key prompt at all when the server runs without keys.
 */
import './styles.css';
import { ApiError, api, forgetKey, storedKey, storeKey } from './api';
import { h, replaceChildren, uid } from './dom';
import { errorText } from './messages';
import { modelsPage } from './pages/models';
import { monitoringPage } from './pages/monitoring';
import { overviewPage } from './pages/overview';
import { studentsPage } from './pages/students';
import { type AppContext, type Page, ROLE_PT } from './router';
import type { DashboardConfig, Session } from './types';
import { errorBox, notice } from './ui';

const PAGES: Page[] = [overviewPage, studentsPage, modelsPage, monitoringPage];

const nav = h('nav', { 'aria-label': 'Páginas do painel' });
const who = h('div', { class: 'session' });
const main = h('main', { id: 'conteudo', tabindex: -1 });
let session: Session | null = null;
let config: DashboardConfig = {
  auth: false,
  features: { score: false, drift: false, slo: false, series: false, outcomes: false },
  monitoring: 'absent',
};
let renderId = 0;

function currentPage(): Page {
  const path = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.path === path) ?? PAGES[0]!;
}

function renderNav(active: Page): void {
  replaceChildren(
    nav,
    h(
      'ul',
      null,
      PAGES.map((p) =>
        h('li', null, h('a', { href: `#/${p.path}`, 'aria-current': p === active ? 'page' : null }, p.title)),
      ),
    ),
  );
}

function renderWho(): void {
  if (!session) {
    replaceChildren(who);
    return;
  }
  replaceChildren(
    who,
    session.auth
      ? [
          h(
            'span',
            null,
            `Chave ${session.key_id ?? ''} · perfil ${ROLE_PT[session.role ?? ''] ?? session.role}`,
          ),
          h(
            'button',
            { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => askKey() },
            'Sair',
          ),
        ]
      : h('span', null, 'Acesso local, sem chave (administrador)'),
  );
}

const ctx: AppContext = {
  get session() {
    return session!;
  },
  get features() {
    return config.features;
  },
  get monitoring() {
    return config.monitoring;
  },
  rerender: () => void route(),
  askKey: (message?: string) => askKey(message),
};

async function route(): Promise<void> {
  const page = currentPage();
  renderNav(page);
  document.title = `${page.title} · Defasagem`;
  if (!session) return;
  const id = ++renderId;
  const heading = h('h1', { tabindex: -1 }, page.title);
  replaceChildren(main, heading);
  await page.render(main, ctx);
  if (id !== renderId) return;
  document.documentElement.dataset.rendered = page.path;
  performance.mark(`rendered:${page.path}`);
}

function askKey(message?: string): void {
  forgetKey();
  session = null;
  renderWho();
  const id = uid('chave');
  const hint = uid('chave-dica');
  const input = h('input', {
    id,
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    'aria-describedby': hint,
  });
  const status = h('div', { 'aria-live': 'assertive' }, message ? notice('error', message) : null);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    try {
      session = await api<Session>('/dashboard/session', { key });
      storeKey(key);
      renderWho();
      await route();
      (main.querySelector('h1') as HTMLElement | null)?.focus();
    } catch (err) {
      replaceChildren(status, errorBox(err));
      input.select();
    }
  };
  replaceChildren(
    main,
    h('h1', null, 'Entrar no painel'),
    h(
      'form',
      { class: 'card key-form', onsubmit: submit },
      h(
        'div',
        { class: 'field' },
        h('label', { for: id }, 'Chave de acesso'),
        input,
        h(
          'p',
          { id: hint, class: 'muted small' },
          'A mesma chave de API dos outros clientes. Fica guardada só nesta aba do navegador até você fechá-la.',
        ),
      ),
      h('button', { type: 'submit', class: 'btn' }, 'Entrar'),
      status,
    ),
  );
  input.focus();
}

async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  replaceChildren(
    root,
    h(
      'a',
      {
        class: 'skip',
        href: '#conteudo',
        onclick: (e: Event) => {
          e.preventDefault();
          main.focus();
        },
      },
      'Pular para o conteúdo',
    ),
    h(
      'header',
      { class: 'top' },
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }),
        h('span', null, 'Defasagem · painel'),
      ),
      nav,
      who,
    ),
    main,
    h(
      'footer',
      { class: 'foot' },
      h(
        'p',
        null,
        'Passos Mágicos · risco de defasagem no próximo ano. ',
        h('a', { href: '/docs' }, 'Documentação da API'),
      ),
    ),
  );
  renderNav(currentPage());
  window.addEventListener('hashchange', () => {
    void route().then(() => (main.querySelector('h1') as HTMLElement | null)?.focus());
  });
  try {
    config = await api<DashboardConfig>('/dashboard/config', { key: null });
    // With keys on and none typed yet, ask first: no request is sent that can only fail.
    if (config.auth && !storedKey()) {
      askKey();
      return;
    }
    session = await api<Session>('/dashboard/session');
    renderWho();
    await route();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'DEF_ERR_API_UNAUTHORIZED')
      askKey(storedKey() ? errorText(err) : undefined);
    else replaceChildren(main, h('h1', null, 'Painel'), errorBox(err));
  }
}

void start();
