/**
 * The dashboard's build: vanilla TypeScript and hand-made SVG charts, bundled into web/dist with
 * content-hashed assets (served by src/serve/plugins/dashboard.ts). No CDN: everything the page needs
 * is in the bundle. The build prints the bundle's gzipped size and fails above the budget.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
/** Production bundle budget (issue 14): all files of web/dist, gzipped. */
export const BUDGET_GZIP_BYTES = 300 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** Sums every built file, raw and gzipped (level 9), prints it and refuses a bundle over the budget. */
function bundleSize(): Plugin {
  let outDir = '';
  return {
    name: 'defasagem-bundle-size',
    apply: 'build',
    configResolved(c) {
      outDir = path.resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      const files = filesUnder(outDir).filter((f) => !path.basename(f).startsWith('.'));
      let raw = 0;
      let gz = 0;
      for (const f of files) {
        const bytes = readFileSync(f);
        raw += bytes.length;
        gz += gzipSync(bytes, { level: 9 }).length;
      }
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      console.log(
        `dashboard bundle: ${files.length} files, ${kb(raw)} raw, ${kb(gz)} gzipped (budget ${kb(BUDGET_GZIP_BYTES)})`,
      );
      if (gz > BUDGET_GZIP_BYTES) throw new Error(`dashboard bundle is ${kb(gz)} gzipped, over the budget`);
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The polyfill would be an inline script, which the page's Content-Security-Policy refuses.
    modulePreload: { polyfill: false },
  },
  plugins: [bundleSize()],
});
