/**
 * The dashboard's static files from a build folder made here: exact names only (no listing, no way out
 * of the folder, no dot files), immutable caching for hashed assets, the page's security headers, the
 * "not built" page and a build that appears after start-up; /dashboard/config and /session with keys on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../registry/testing/fixtures.js';
import { hashKey } from '../auth.js';
import type { ServeContext } from '../context.js';
import { decoratePrincipal } from '../http/access.js';
import { setErrorHandlers } from '../http/error-handler.js';
import { createMetrics } from '../metrics.js';
import { parseApiKeys } from '../settings.js';
import { makeApp } from '../testing/support.js';
import { DEFAULT_DASHBOARD_DIR, dashboardRoutesFrom, scanDashboard } from './dashboard.js';

afterAll(removeTempDirs);

const JS = 'console.log("painel")';

function buildFolder(): string {
  const dir = path.join(tempDir('web'), 'dist');
  mkdirSync(path.join(dir, 'assets', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>painel</title>');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, '.source-hash'), 'abc\n');
  writeFileSync(path.join(dir, 'assets', 'index-Bx9_aZ.js'), JS);
  writeFileSync(path.join(dir, 'assets', 'index-Cc1.css'), 'body{}');
  writeFileSync(path.join(dir, 'assets', 'notes.md'), '# not a served type');
  writeFileSync(path.join(dir, 'assets', 'sub', 'deep.js'), JS);
  writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'outside the build folder');
  return dir;
}

async function bare(dir: string, lines: string[] = []): Promise<FastifyInstance> {
  const { collectingLogger } = await import('../testing/support.js');
  const app = Fastify({ loggerInstance: collectingLogger(lines) as unknown as FastifyBaseLogger });
  decoratePrincipal(app);
  setErrorHandlers(app, createMetrics({ defaultMetrics: false }));
  const context = { access: { predict: {}, admin: {} }, authOn: false } as unknown as ServeContext;
  await app.register(dashboardRoutesFrom(dir), context);
  return app;
}

describe('dashboard static files', () => {
  it('serves index.html revalidated and hashed assets cached for good, with the page security headers', async () => {
    const app = await bare(buildFolder());
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const js = await app.inject({ url: '/assets/index-Bx9_aZ.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe(JS);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ url: '/assets/index-Cc1.css' })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await app.inject({ url: '/favicon.svg' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'HEAD', url: '/assets/index-Bx9_aZ.js' })).statusCode).toBe(200);
  });

  it('nothing but the built files: no listing, no traversal, no dot files, no other types, no subfolders', async () => {
    const app = await bare(buildFolder());
    for (const url of [
      '/assets/',
      '/assets',
      '/assets/..%2Fsecret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/.source-hash',
      '/assets/notes.md',
      '/assets/sub/deep.js',
      '/assets/sub%2Fdeep.js',
      '/assets/__proto__',
      '/assets/constructor',
      '/index.html/',
      '/secret.txt',
    ]) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code, url).toBe('DEF_ERR_API_ROUTE_NOT_FOUND');
      expect(r.body).not.toContain('outside the build folder');
    }
    expect(scanDashboard(buildFolder()).files.size).toBe(4);
  });

  it('without a build: a page saying how to build it, a warning in the log, and the build picked up once it exists', async () => {
    const dir = path.join(tempDir('web'), 'dist');
    const lines: string[] = [];
    const app = await bare(dir, lines);
    const r = await app.inject({ url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('npm run build:web');
    expect(r.body).toContain('O painel ainda não foi construído');
    expect(lines.join('')).toContain('dashboard_not_built');
    expect(lines.join('')).not.toContain(path.dirname(dir));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>agora sim</title>');
    expect((await app.inject({ url: '/' })).body).toContain('agora sim');
  });

  it('looks for web/dist of this checkout', () => {
    expect(DEFAULT_DASHBOARD_DIR.endsWith(path.join('web', 'dist'))).toBe(true);
  });
});

describe('/dashboard/config and /dashboard/session', () => {
  const ADMIN = 'dashboard-admin-key';
  const PREDICT = 'dashboard-predict-key';

  it('config is public and lists the optional endpoint families; session needs a key and names its role', async () => {
    const { app } = await makeApp({
      apiKeys: parseApiKeys(`${hashKey(ADMIN)}:admin,${hashKey(PREDICT)}:predict`),
    });
    const config = await app.inject({ url: '/dashboard/config' });
    expect(config.statusCode).toBe(200);
    expect(config.json()).toEqual({
      auth: true,
      features: { score: true, drift: false, slo: false, series: false, outcomes: false },
      monitoring: 'absent',
    });
    expect((await app.inject({ url: '/dashboard/session' })).json().error.code).toBe(
      'DEF_ERR_API_UNAUTHORIZED',
    );
    const wrong = await app.inject({ url: '/dashboard/session', headers: { 'x-api-key': 'nope' } });
    expect(wrong.statusCode).toBe(401);
    const p = await app.inject({ url: '/dashboard/session', headers: { 'x-api-key': PREDICT } });
    expect(p.json()).toEqual({ auth: true, role: 'predict', key_id: hashKey(PREDICT).slice(0, 8) });
    const a = await app.inject({ url: '/dashboard/session', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(a.json().role).toBe('admin');
    await app.close();
  });

  it('without keys (loopback) the session is the local admin, and a route added later shows as a feature', async () => {
    const app = await bare(buildFolder());
    app.post('/score', async () => ({}));
    expect((await app.inject({ url: '/dashboard/config' })).json()).toEqual({
      auth: false,
      features: { score: true, drift: false, slo: false, series: false, outcomes: false },
      monitoring: 'absent',
    });
    const { app: full } = await makeApp();
    expect((await full.inject({ url: '/dashboard/session' })).json()).toEqual({
      auth: false,
      role: 'admin',
      key_id: null,
    });
    await full.close();
  });
});
