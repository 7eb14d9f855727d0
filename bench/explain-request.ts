/**
 * Micro-benchmark of one /predict's scoring and explanation (LoadedModel.predictExplain, top 3) on the
 * real 2024 students, with the caches made cold between two calls as the server's are (the HTTP stack
 * and other processes run between two requests): before each call, `--thrash` MB of memory are written.
 *
 * Method: the model of `--model`/`--signature` (default: the champion of `--registry`, models/registry,
 * which `npm start` creates) is loaded as the server loads it; the students are the request bodies in
 * `--bodies` (a JSON array of JSON strings), else the students of the latest year of PEDE_XLSX, parsed
 * by the server's validation. Each round times every student once (process.hrtime.bigint around the call); the median
 * per call of each round is printed, then the median of the rounds. Guides changes only: the number
 * that counts is the server's CPU per request that `bench/serve.ts` prints.
 *
 * Run: `npx tsx bench/explain-request.ts [--registry DIR | --model PATH --signature PATH] [--bodies PATH]
 *   [--thrash MB] [--rounds N]`
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '../src/model/load.js';
import type { ModelSignature } from '../src/model/types.js';
import { readCohortFile } from '../src/score/input.js';
import { compileInput } from '../src/serve/validation.js';

const { values: opts } = parseArgs({
  options: {
    registry: { type: 'string', default: 'models/registry' },
    model: { type: 'string' },
    signature: { type: 'string' },
    bodies: { type: 'string' },
    thrash: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '7' },
    k: { type: 'string', default: '3' },
  },
});

/** The champion's folder in `--registry` (champion.json names its version). */
function championDir(): string {
  const champion = JSON.parse(readFileSync(path.join(opts.registry, 'champion.json'), 'utf8')) as {
    version: string;
  };
  return path.join(opts.registry, champion.version);
}
const dir = opts.model && opts.signature ? null : championDir();
const model = loadModel(JSON.parse(readFileSync(opts.model ?? path.join(dir!, 'model.json'), 'utf8')));
const signature = JSON.parse(
  readFileSync(opts.signature ?? path.join(dir!, 'model_signature.json'), 'utf8'),
) as ModelSignature;
const input = compileInput(signature, { extraFeatures: 'reject', maxInstances: 1000 });
async function studentBodies(): Promise<string[]> {
  if (opts.bodies) return JSON.parse(readFileSync(opts.bodies, 'utf8')) as string[];
  if (!process.env.PEDE_XLSX)
    throw new Error('give --bodies FILE or set PEDE_XLSX to take the students from');
  return (await readCohortFile(process.env.PEDE_XLSX)).students.map((s) => JSON.stringify(s.record));
}
const bodies = await studentBodies();
const records = bodies.map((b) => input.parseBody(JSON.parse(b)).records[0]!);
const k = Number(opts.k);
const junk = new Float64Array((Number(opts.thrash) * 1024 * 1024) / 8);
let sink = 0;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

function round(): { explain: number; parse: number } {
  const te: number[] = [];
  const tp: number[] = [];
  for (let i = 0; i < records.length; i++) {
    for (let j = 0; j < junk.length; j += 8) junk[j]! += 1;
    const body = JSON.parse(bodies[i]!);
    const t0 = process.hrtime.bigint();
    const rec = input.parseBody(body).records[0]!;
    const t1 = process.hrtime.bigint();
    const out = model.predictExplain(rec, k);
    const t2 = process.hrtime.bigint();
    sink += out.factors.length + out.score;
    tp.push(Number(t1 - t0) / 1000);
    te.push(Number(t2 - t1) / 1000);
  }
  return { explain: median(te), parse: median(tp) };
}

for (let r = 0; r < 3; r++) round();
const rounds = Array.from({ length: Number(opts.rounds) }, round);
console.log(
  `predictExplain (k=${k}) µs per call, median of ${records.length} students per round, cache thrashed with ${opts.thrash} MB:`,
  rounds.map((r) => r.explain.toFixed(2)).join(' '),
  `→ median ${median(rounds.map((r) => r.explain)).toFixed(2)}`,
);
console.log(
  'validation (parseBody) µs:',
  rounds.map((r) => r.parse.toFixed(2)).join(' '),
  `→ median ${median(rounds.map((r) => r.parse)).toFixed(2)}`,
);
if (sink === 0.5) console.log(sink);
