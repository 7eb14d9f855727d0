import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './schema-compilers.js';

const AJV = { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } };
type Factory = NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

/** A body-validated, response-serialised route, on fastify's defaults or on the lazy factories. */
function appWith(lazy: boolean): FastifyInstance {
  const app = Fastify({
    ajv: AJV,
    ...(lazy ? { schemaController: { compilersFactory: lazySchemaCompilers() as Factory } } : {}),
  });
  app.post(
    '/x',
    {
      schema: {
        body: {
          type: 'object',
          required: ['n'],
          properties: { n: { type: 'integer', minimum: 1 }, s: { type: 'string', format: 'date' } },
        },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
    async (req) => ({ ...(req.body as object), extra: 'dropped by the serializer' }),
  );
  return app;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('lazy schema compilers', () => {
  it('answer exactly what fastify answers with its own compilers, valid and invalid bodies alike', async () => {
    const bodies = [
      { n: 3 },
      { n: '3' }, // no coercion
      { n: 0 },
      {},
      { n: 2, s: 'not a date' }, // ajv-formats
      { n: 2, s: '2024-02-29' },
    ];
    const def = appWith(false);
    const lazy = appWith(true);
    apps.push(def, lazy);
    for (const payload of bodies) {
      const a = await def.inject({ method: 'POST', url: '/x', payload });
      const b = await lazy.inject({ method: 'POST', url: '/x', payload });
      expect([b.statusCode, b.body]).toEqual([a.statusCode, a.body]);
    }
    const ok = await lazy.inject({ method: 'POST', url: '/x', payload: { n: 3 } });
    expect([ok.statusCode, ok.body]).toEqual([200, '{"n":3}']);
    const bad = await lazy.inject({ method: 'POST', url: '/x', payload: { n: '3' } });
    expect(bad.statusCode).toBe(400);
    const date = await lazy.inject({ method: 'POST', url: '/x', payload: { n: 2, s: 'not a date' } });
    expect(date.json().message).toContain('format "date"');
  });
});
