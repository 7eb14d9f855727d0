/**
 * The LGPD scan of the privacy tests: every byte of every file under a folder (database, WAL,
 * shared-memory, anything else) searched for RAs and names, as Latin-1, UTF-8 and UTF-16 text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { normaliseHeader } from '../../data/columns.js';
import { readSource } from '../../data/source.js';

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Names from the raw sheets (the normalised records never carry them). */
export async function namesOf(source: string): Promise<string[]> {
  const raw = await readSource(source);
  const names = new Set<string>();
  for (const sheet of raw.sheets) {
    const header = sheet.rows[0] ?? [];
    const col = header.findIndex((h) => ['nome', 'nome anonimizado'].includes(normaliseHeader(h)));
    if (col < 0) continue;
    for (const row of sheet.rows.slice(1))
      if (typeof row[col] === 'string' && row[col]) names.add(row[col] as string);
  }
  return [...names];
}

/** Throws naming the file when any RA or name is found under `dir`; answers the number of files scanned. */
export function scanForPersonalData(dir: string, ras: Iterable<string>, names: readonly string[]): number {
  const raList = [...new Set(ras)];
  const files = filesUnder(dir);
  for (const f of files) {
    const bytes = readFileSync(f);
    const text = bytes.toString('latin1');
    const utf16 = Buffer.from(bytes).toString('utf16le');
    for (const ra of raList)
      if (text.includes(ra) || utf16.includes(ra)) throw new Error(`RA found in ${path.basename(f)}`);
    for (const name of names)
      if (text.includes(name) || bytes.includes(Buffer.from(name, 'utf8')) || utf16.includes(name))
        throw new Error(`a student name found in ${path.basename(f)}`);
  }
  return files.length;
}
