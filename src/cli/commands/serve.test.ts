/** `defasagem serve hash-key`, in-process: the entry it prints is one the server accepts. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { authenticate, hashKey } from '../../serve/auth.js';
import { parseApiKeys } from '../../serve/settings.js';
import { registerServeCommands } from './serve.js';

describe('defasagem serve hash-key', () => {
  it('prints an API_KEYS entry that the server accepts for that key', async () => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      const program = new Command('defasagem').option('--json').exitOverride();
      registerServeCommands(program);
      await program.parseAsync([
        'node',
        'defasagem',
        '--json',
        'serve',
        'hash-key',
        '--generate',
        '--role',
        'admin',
      ]);
    } finally {
      process.stdout.write = write;
    }
    const r = JSON.parse(out) as { key: string; sha256: string; api_keys_entry: string };
    expect(r.sha256).toBe(hashKey(r.key));
    expect(r.api_keys_entry).toBe(`${r.sha256}:admin`);
    expect(authenticate(parseApiKeys(r.api_keys_entry), r.key)).toMatchObject({ role: 'admin' });
  });
});
