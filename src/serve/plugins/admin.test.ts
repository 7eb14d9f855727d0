import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { makeApp } from '../testing/support.js';

describe('POST /admin/reload', () => {
  it('reloads the model source and says what it serves; only the admin role may', async () => {
    const apiKeys = parseApiKeys(`${hashKey('pred-key')}:predict,${hashKey('admin-key')}:admin`);
    const { app, holder } = await makeApp({ apiKeys });
    const before = holder.current;
    const r = await app.inject({
      method: 'POST',
      url: '/admin/reload',
      headers: { 'x-api-key': 'admin-key' },
    });
    expect(r.statusCode).toBe(200);
    // The stand-in source always has v1.0.0: loaded again and swapped in, no failure to report.
    expect(r.json()).toEqual({ result: 'swapped', model_version: 'v1.0.0' });
    expect(holder.current).not.toBe(before);
    const denied = await app.inject({
      method: 'POST',
      url: '/admin/reload',
      headers: { 'x-api-key': 'pred-key' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('DEF_ERR_API_FORBIDDEN');
    expect(holder.current?.version).toBe('v1.0.0');
    await app.close();
  });
});
