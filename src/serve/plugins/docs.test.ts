import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { inProcessApp, makeApp } from '../testing/support.js';

describe('docs routes', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);

  it('OpenAPI is generated from the live signature and Swagger UI is served at /docs', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.version).toBe('v1.0.0');
    expect(doc.components.schemas.Student.properties.fase).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 9,
    });
    expect(doc.components.schemas.Student.additionalProperties).toBe(false);
    expect(doc.paths['/predict'].post).toBeTruthy();
    const ui = await app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui-bundle.js');
    const js = await app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.body.length).toBeGreaterThan(100_000);
    expect((await app.inject({ url: '/docs/static/init.js' })).body).toContain("url: '/docs/json'");
    expect((await app.inject({ url: '/docs/static/..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/docs/static/index.html' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/openapi.json' })).json().info.version).toBe('v1.0.0');
  });

  it('/docs/static/__proto__, /constructor, /toString … are a plain 404, not a 500 with a stack in the log', async () => {
    const from = lines.length;
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    for (const name of names) {
      const r = await app.inject({ url: `/docs/static/${name}` });
      expect(r.statusCode, name).toBe(404);
      expect(r.json().error.code).toBe('DEF_ERR_API_ROUTE_NOT_FOUND');
    }
    const logged = lines.slice(from).map((l) => JSON.parse(l));
    expect(logged).toHaveLength(names.length);
    for (const l of logged) {
      expect(l.level).toBe(30); // info: a rejected request, not an error
      expect(l.err).toBeUndefined();
      expect(l.msg).toBe('request rejected');
    }
    expect(lines.slice(from).join('')).not.toContain('stack');
  });
});

describe('docs with API keys on', () => {
  it('the document and the page need a key (any role), like /metadata; the static UI files stay public', async () => {
    const apiKeys = parseApiKeys(`${hashKey('pred-key')}:predict,${hashKey('admin-key')}:admin`);
    const { app } = await makeApp({ apiKeys });
    for (const url of ['/openapi.json', '/docs/json', '/docs', '/docs/']) {
      const anon = await app.inject({ url });
      expect(anon.statusCode, url).toBe(401);
      expect(anon.body, url).not.toContain('v1.0.0'); // the served version is not shown
      expect(anon.body, url).not.toContain('defasagem');
      for (const key of ['pred-key', 'admin-key'])
        expect((await app.inject({ url, headers: { 'x-api-key': key } })).statusCode, url).toBe(200);
    }
    const doc = (await app.inject({ url: '/openapi.json', headers: { 'x-api-key': 'pred-key' } })).json();
    expect(doc.info.version).toBe('v1.0.0');
    expect((await app.inject({ url: '/docs/static/swagger-ui.css' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/docs/static/init.js' })).statusCode).toBe(200);
    await app.close();
  });
});
