/**
 * Fastify's own default schema compilers (@fastify/ajv-compiler, which loads ajv and ajv-formats, and
 * @fastify/fast-json-stringify-compiler), created on the first route or call that needs one instead
 * of when the server is created. No route of this API declares a body, query, params, headers or
 * response schema, and loading them cost every start ~50-100 ms (ajv) and every replica its memory.
 * The same factories fastify would create (once each, with their pools), given the same arguments;
 * fastify treats a supplied validator factory as custom, which only changes how a *headers* schema's
 * keys are read (none here).
 */
import { createRequire } from 'node:module';

/** Resolved from fastify's own folder: the versions fastify itself would load. */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

type Build = (externalSchemas: unknown, options: unknown) => unknown;

function onFirstUse(pkg: string): Build {
  let build: Build | null = null;
  return (externalSchemas, options) => {
    build ??= (fromFastify(pkg) as () => Build)();
    return build(externalSchemas, options);
  };
}

/** Fastify's `schemaController.compilersFactory`: its defaults, loaded when first needed. */
export function lazySchemaCompilers(): { buildValidator: Build; buildSerializer: Build } {
  return {
    buildValidator: onFirstUse('@fastify/ajv-compiler'),
    buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler'),
  };
}
