/**
 * API docs: Swagger UI at /docs over the OpenAPI document of the live model (/docs/json, also
 * /openapi.json). The document carries the signature and the served version, which /metadata keeps
 * behind a key: with API keys on, the page and the document need a key (any role); the UI's static
 * files reveal nothing and stay public. The assets come from the swagger-ui distribution shipped in
 * @fastify/swagger-ui, read on first request and cached; we do not register the @fastify/swagger(-ui)
 * plugins themselves: they cost 110–190 ms of every cold start (measured here) for a page nobody may
 * open, and the document is generated from the signature anyway.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServePlugin } from '../context.js';
import { openApiFor } from '../openapi/document.js';

/** The files served from the distribution, by name. A Map: a name a client sends (`__proto__`,
 * `constructor`) must find nothing, not a property every object inherits. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['index.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'application/javascript; charset=utf-8'],
  ['swagger-ui-standalone-preset.js', 'application/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['favicon-16x16.png', 'image/png'],
]);

const INIT_JS = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/docs/json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

const INDEX_HTML = `<!DOCTYPE html>
<html lang="pt-BR">
<head>
<meta charset="UTF-8">
<title>defasagem API</title>
<link rel="stylesheet" type="text/css" href="/docs/static/swagger-ui.css">
<link rel="stylesheet" type="text/css" href="/docs/static/index.css">
<link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
<script src="/docs/static/init.js" charset="UTF-8"></script>
</body>
</html>
`;

let assetDir: string | null = null;
const cache = new Map<string, Buffer>();

async function asset(name: string): Promise<Buffer> {
  const hit = cache.get(name);
  if (hit) return hit;
  assetDir ??= path.join(
    path.dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')),
    'static',
  );
  const bytes = await readFile(path.join(assetDir, name));
  cache.set(name, bytes);
  return bytes;
}

export const docsRoutes: ServePlugin = async (app, { holder, settings, authOn, access }) => {
  // Built from the model served at the time of the request: after a hot swap the fields are the new ones.
  const document = () => openApiFor(holder.current, { maxInstances: settings.maxInstances, auth: authOn });
  // With keys on, what the document reveals (signature, version) needs a key like /metadata does.
  const guarded = authOn ? access.predict : {};
  app.get('/docs', guarded, (_req, reply) => {
    reply.type('text/html; charset=utf-8').send(INDEX_HTML);
  });
  app.get('/docs/json', guarded, (_req, reply) => {
    reply.send(document());
  });
  app.get('/openapi.json', guarded, (_req, reply) => {
    reply.send(document());
  });
  app.get('/docs/static/init.js', (_req, reply) => {
    reply.type('application/javascript; charset=utf-8').send(INIT_JS);
  });
  app.get<{ Params: { file: string } }>('/docs/static/:file', async (req, reply) => {
    const type = ASSETS.get(req.params.file);
    if (type === undefined) return reply.callNotFound();
    reply.type(type).header('cache-control', 'public, max-age=86400');
    return asset(req.params.file);
  });
};
