import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { makeApp } from '../testing/support.js';
import { hostnameOf, originHostname } from './host-guard.js';

/** One request over a real socket with the Host and Origin a browser page would send. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a keyless server answers only its own machine (Host and Origin)', () => {
  it('DNS rebinding: POST /admin/reload with Host: evil.example is refused over a real socket; loopback names pass', async () => {
    const { app, holder } = await makeApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const before = holder.current;
    const rebound = await send(port, 'POST', '/admin/reload', { host: 'evil.example' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toMatchObject({
      code: 'DEF_ERR_API_HOST_NOT_ALLOWED',
      details: { rule: 'host' },
    });
    expect(rebound.body).not.toContain('evil');
    expect(holder.current).toBe(before); // nothing was reloaded
    // Reading is refused too: a rebound page could read predictions and metadata.
    expect((await send(port, 'GET', '/metadata', { host: 'evil.example:8000' })).status).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`])
      expect((await send(port, 'POST', '/admin/reload', { host })).status, host).toBe(200);
    expect(holder.current).not.toBe(before);
    await app.close();
  });

  it('a refused Host stays refused between accepted ones (the last accepted value is remembered, never a refused one)', async () => {
    const { app } = await makeApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    // A raw socket: node's client would not send an empty Host as it is.
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET /metadata HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
        );
        let head = '';
        socket.on('data', (c) => {
          head += c.toString('latin1');
        });
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
        socket.on('error', reject);
      });
    for (const [host, status] of [
      ['', 403],
      ['127.0.0.1:8000', 200],
      ['evil.example', 403],
      ['127.0.0.1:8000', 200],
      ['127.0.0.1:8000', 200],
      ['', 403],
      ['evil.example', 403],
      ['localhost', 200],
      ['127.0.0.1.evil.example', 403],
    ] as const)
      expect(await get(host), host).toBe(status);
    await app.close();
  });

  it('cross-site POSTs (an Origin that is not a loopback page) are refused; reads and non-browser clients pass', async () => {
    const { app } = await makeApp();
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/admin/reload', headers });
    const crossSite = await post({ origin: 'https://evil.example' });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.details).toEqual({ rule: 'origin' });
    expect((await post({ origin: 'null' })).statusCode).toBe(403); // sandboxed frames, file: pages
    expect((await post({ origin: 'http://127.0.0.1.evil.example' })).statusCode).toBe(403);
    expect((await post({ origin: 'http://localhost:5173' })).statusCode).toBe(200);
    expect((await post({ origin: 'http://[::1]:8000' })).statusCode).toBe(200);
    expect((await post({})).statusCode).toBe(200); // curl, scripts: no Origin
    // A cross-site GET cannot read the answer (no CORS) and changes nothing: not refused.
    expect(
      (await app.inject({ url: '/health', headers: { origin: 'https://evil.example' } })).statusCode,
    ).toBe(200);
    await app.close();
  });

  it('ALLOWED_HOSTS lets a chosen name in; with API keys the key is what counts', async () => {
    const named = await makeApp({ allowedHosts: ['defasagem.local'] });
    const reload = (host: string, origin?: string) =>
      named.app.inject({
        method: 'POST',
        url: '/admin/reload',
        headers: { host, ...(origin ? { origin } : {}) },
      });
    expect((await reload('defasagem.local:8000')).statusCode).toBe(200);
    expect((await reload('DEFASAGEM.local')).statusCode).toBe(200);
    expect((await reload('localhost', 'http://defasagem.local:8000')).statusCode).toBe(200);
    expect((await reload('other.local')).statusCode).toBe(403);
    await named.app.close();
    const keyed = await makeApp({ apiKeys: parseApiKeys(`${hashKey('admin-key')}:admin`) });
    const r = await keyed.app.inject({
      method: 'POST',
      url: '/admin/reload',
      headers: { host: 'api.example.org', 'x-api-key': 'admin-key' },
    });
    expect(r.statusCode).toBe(200);
    await keyed.app.close();
  });

  it('reads host names from Host and Origin values', () => {
    expect(hostnameOf('LocalHost:8000')).toBe('localhost');
    expect(hostnameOf('[::1]:80')).toBe('::1');
    expect(hostnameOf('127.0.0.1')).toBe('127.0.0.1');
    expect(hostnameOf('[::1')).toBeNull();
    expect(hostnameOf('a b')).toBeNull();
    expect(hostnameOf('evil.example:80:80')).toBeNull();
    expect(originHostname('http://[::1]:8000')).toBe('::1');
    expect(originHostname('null')).toBeNull();
    expect(originHostname('file:///etc/passwd')).toBeNull();
  });
});
