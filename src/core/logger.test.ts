import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, requestSerializer } from './logger.js';

describe('logger', () => {
  it('redacts names, RA, CPF, bodies and credentials wherever they appear near the top', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(c, _e, cb) {
          lines.push(String(c));
          cb();
        },
      }),
    });
    log.info(
      {
        nome: 'Maria Souza',
        student: { ra: 'RA-77', cpf: '123.456.789-09', fase: 3 },
        body: { anything: 'Joana' },
        req: { headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y' } },
      },
      'hello',
    );
    const out = lines.join('');
    for (const s of ['Maria', 'RA-77', '123.456', 'Joana', 's3cret', 'k3y']) expect(out).not.toContain(s);
    expect(JSON.parse(out)).toMatchObject({
      nome: '[redacted]',
      student: { fase: 3, ra: '[redacted]' },
      msg: 'hello',
    });
  });

  it('serialises a request without its body or query string', () => {
    expect(
      requestSerializer({
        id: 'r1',
        method: 'POST',
        url: '/predict?nome=Maria',
        routeOptions: { url: '/predict' },
      }),
    ).toEqual({ id: 'r1', method: 'POST', url: '/predict', route: '/predict' });
  });
});
