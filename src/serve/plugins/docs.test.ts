import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../testing/support.js';

describe('docs routes', () => {
  const app = inProcessApp();

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
});
