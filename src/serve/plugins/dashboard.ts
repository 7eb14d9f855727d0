/**
 * The dashboard: the Portuguese web UI built by vite into web/dist (`npm run build:web`), served at `/`
 * by this same process, offline. It calls the same API with the same keys as any client, so the page
 * itself is public and holds no data. Only the files the build wrote are served, looked up by exact
 * name in a Map taken from the build folder (no directory listing, no path a client can steer out of
 * it); hashed assets are cached for good, index.html is revalidated. When the bundle has not been built,
 * `/` answers a short page saying how to build it, and the start-up log says so once.
 *
 * GET /dashboard/config (public) tells the page whether to ask for a key and which optional endpoint
 * families this server has and can answer (cohort scoring, monitoring unless it is switched off), so
 * it never calls one that is not there;
 * GET /dashboard/session (any key) tells it the role of the key it holds.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { ServePlugin } from '../context.js';
import type { DashboardConfig, DashboardSession } from './registry-types.js';

/** web/dist of this checkout: from src/serve/plugins (tsx) and from dist/serve/plugins (compiled) alike. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.woff2', 'font/woff2'],
  ['.json', 'application/json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

/**
 * The page may load only its own files, talk only to this server, and show images it made itself
 * (blob: for the training report's charts). No inline script, no framing.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

export interface DashboardFiles {
  /** URL path (`/index.html`, `/assets/index-3f2a.js`) → file on disk. */
  files: ReadonlyMap<string, string>;
  built: boolean;
}

/** The files of a build folder (index.html, root files and assets/), by URL path; nothing else. */
export function scanDashboard(dir: string): DashboardFiles {
  const files = new Map<string, string>();
  const add = (sub: string) => {
    const abs = path.join(dir, sub);
    if (!existsSync(abs)) return;
    for (const name of readdirSync(abs)) {
      // Plain names only: no dot files (.source-hash), nothing a URL could not name exactly.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || !TYPES.has(path.extname(name))) continue;
      const file = path.join(abs, name);
      if (statSync(file).isFile()) files.set(`/${sub ? `${sub}/` : ''}${name}`, file);
    }
  };
  add('');
  add('assets');
  return { files, built: files.has('/index.html') };
}

const NOT_BUILT_HTML = `<!DOCTYPE html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Painel não construído</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>O painel ainda não foi construído</h1>
<p>A API está funcionando, mas os arquivos do painel (<code>web/dist</code>) não existem neste servidor.</p>
<p>Construa o painel com <code>npm run build:web</code> (ou <code>npm run build</code>) e recarregue esta página;
<code>npm start</code> faz isso sozinho.</p>
<p lang="en">The dashboard bundle is missing: run <code>npm run build:web</code>, then reload.</p>
<p>Enquanto isso: <a href="/docs">documentação da API</a> · <a href="/ready">/ready</a></p>
</main></body></html>
`;

/** The dashboard's static files from `dir` (tests pass their own folder). */
export function dashboardRoutesFrom(dir: string): ServePlugin {
  return async (app, { access, authOn, monitoring }) => {
    let bundle = scanDashboard(dir);
    if (!bundle.built)
      app.log.warn(
        { event: 'dashboard_not_built', dir: path.basename(dir) },
        'dashboard bundle not built (web/dist): GET / explains how; run `npm run build:web`',
      );
    // A bundle built after start-up is picked up on the next visit to `/` (no restart needed).
    const current = () => {
      if (!bundle.built) bundle = scanDashboard(dir);
      return bundle;
    };

    const send = async (reply: FastifyReply, urlPath: string, immutable: boolean) => {
      const file = current().files.get(urlPath);
      if (file === undefined) return reply.callNotFound();
      securityHeaders(reply)
        .type(TYPES.get(path.extname(file)) ?? 'application/octet-stream')
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return readFile(file);
    };

    app.get('/', async (_req, reply) => {
      if (!current().built) {
        securityHeaders(reply).code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store');
        return NOT_BUILT_HTML;
      }
      return send(reply, '/index.html', false);
    });
    // Vite names every asset by its content hash, so a cached copy can never be stale.
    app.get<{ Params: { file: string } }>('/assets/:file', (req, reply) =>
      send(reply, `/assets/${req.params.file}`, true),
    );
    app.get('/favicon.svg', (_req, reply) => send(reply, '/favicon.svg', false));

    // Public: whether keys are needed says nothing a 401 would not; the features are route names.
    // Monitoring off (MONITOR_PRIVACY_MODE=off) keeps its routes, which refuse: not a feature then.
    const monitoringState = (): DashboardConfig['monitoring'] =>
      !monitoring ? 'absent' : monitoring.mode === 'off' ? 'off' : 'on';
    const monitored = (url: string) => monitoringState() !== 'off' && app.hasRoute({ method: 'GET', url });
    app.get(
      '/dashboard/config',
      (): DashboardConfig => ({
        auth: authOn,
        features: {
          score: app.hasRoute({ method: 'POST', url: '/score' }),
          drift: monitored('/monitoring/drift'),
          slo: monitored('/monitoring/slo'),
          series: monitored('/monitoring/series'),
          outcomes: monitored('/monitoring/outcomes'),
        },
        monitoring: monitoringState(),
      }),
    );

    app.get(
      '/dashboard/session',
      access.predict,
      (req): DashboardSession => ({
        auth: authOn,
        role: req.principal?.role ?? null,
        key_id: authOn ? (req.principal?.id ?? null) : null,
      }),
    );
  };
}

export const dashboardRoutes: ServePlugin = dashboardRoutesFrom(DEFAULT_DASHBOARD_DIR);
