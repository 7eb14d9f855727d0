/**
 * The OpenAPI 3 document, generated from the live model's signature: after a hot swap /docs shows the
 * fields of the model being served. Built once per bundle and cached.
 */
import type { ModelBundle } from '../bundle.js';
import { componentSchemas, type SchemaExamples } from './components.js';
import { batchExample, invalidBatchExample } from './examples.js';
import { apiPaths } from './paths.js';

const cache = new WeakMap<ModelBundle, Record<string, unknown>>();

/** The signature's example response (computed by the model at training), with the served version. */
function predictionExample(bundle: ModelBundle): Record<string, unknown> | undefined {
  const example = bundle.signature.example_response;
  if (!example || typeof example.risk_score !== 'number') return undefined;
  return { ...example, model_version: bundle.version };
}

function examplesOf(bundle: ModelBundle | null): SchemaExamples {
  if (!bundle) return {};
  const student = bundle.signature.example_request;
  return {
    student,
    batch: batchExample(student),
    invalidBatch: invalidBatchExample(bundle)?.response,
    prediction: predictionExample(bundle),
  };
}

/** A loud first paragraph when the served model was trained on synthetic data; a short line otherwise. */
function syntheticNotice(bundle: ModelBundle | null): string {
  if (!bundle) return '';
  if (bundle.synthetic === true)
    return `**⚠ The served model ${bundle.version} was trained on SYNTHETIC data (fake students from \`defasagem synth\`): its scores say nothing about real students.** Train on the real PEDE workbook (\`npm start -- --source /path/to/PEDE2024.xlsx\`) before using them. Every answer carries \`"synthetic": true\`.\n\n`;
  return bundle.synthetic === false
    ? `Served model ${bundle.version}, trained on real data (\`"synthetic": false\` in every answer).\n\n`
    : '';
}

export function openApiFor(
  bundle: ModelBundle | null,
  opts: { maxInstances: number; auth: boolean },
): Record<string, unknown> {
  if (bundle && cache.has(bundle)) return cache.get(bundle)!;
  const doc: Record<string, unknown> = {
    openapi: '3.0.3',
    info: {
      title: 'defasagem prediction API',
      version: bundle?.version ?? 'no model loaded',
      description:
        syntheticNotice(bundle) +
        'Risk of school lag (defasagem) next year for Passos Mágicos students. Never send names, RA or CPF. ' +
        'Errors: `{ "error": { "code", "message", "hint", "details": { "field", "rule" } } }` (see docs/errors.md).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        Bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: componentSchemas(bundle?.signature.inputs ?? [], examplesOf(bundle), opts.maxInstances),
    },
    paths: apiPaths(opts.auth),
  };
  if (bundle) cache.set(bundle, doc);
  return doc;
}
