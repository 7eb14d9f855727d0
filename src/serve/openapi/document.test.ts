import { describe, expect, it } from 'vitest';
import { makeApp } from '../testing/support.js';
import { openApiFor } from './document.js';
import { invalidBatchExample } from './examples.js';

describe('OpenAPI: the per-student id and the answer of a refused batch', () => {
  it('shows the id in the student and the prediction, and examples the server really answers', async () => {
    const { app, holder } = await makeApp();
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const { schemas } = doc.components;
    expect(schemas.Student.properties.id).toMatchObject({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });
    expect(schemas.Student.additionalProperties).toBe(false);
    expect(schemas.Prediction.properties.id.type).toBe('string');
    const answers422 = doc.paths['/predict'].post.responses['422'].content['application/json'].schema.oneOf;
    expect(answers422).toEqual([
      { $ref: '#/components/schemas/Error' },
      { $ref: '#/components/schemas/InvalidBatchError' },
    ]);

    // The batch example is scored, its ids echoed.
    const batch = await app.inject({ method: 'POST', url: '/predict', payload: schemas.Batch.example });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().predictions.map((p: { id: string }) => p.id)).toEqual(['linha-1', 'linha-2']);

    // The refused-batch example is, byte for byte, what the server answers to the batch it came from.
    const example = schemas.InvalidBatchError.example;
    expect(example.error.details).toMatchObject({ invalid_students: 2, total_problems: 3 });
    expect(
      example.error.details.problems.map((p: { student: number; rule: string }) => [p.student, p.rule]),
    ).toEqual([
      [2, 'type'],
      [3, 'id_personal'],
      [3, 'required'],
    ]);
    const { request } = invalidBatchExample(holder.current!)!;
    const refused = await app.inject({ method: 'POST', url: '/predict', payload: request });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toEqual(example);
    expect(refused.body).not.toContain('12345678909');
    await app.close();
  });

  it('without a model there are no examples, and the schemas still hold the id', () => {
    const doc = openApiFor(null, { maxInstances: 10, auth: false }) as {
      components: { schemas: Record<string, { example?: unknown; properties?: Record<string, unknown> }> };
    };
    expect(doc.components.schemas.InvalidBatchError!.example).toBeUndefined();
    expect(doc.components.schemas.Batch!.example).toBeUndefined();
    expect(doc.components.schemas.Student!.properties!.id).toBeDefined();
  });
});
