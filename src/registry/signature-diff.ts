import type { ModelSignature } from '../model/types.js';
import type { BumpKind } from './semver.js';

export interface SignatureChange {
  kind:
    | 'input_removed'
    | 'input_renamed'
    | 'input_added'
    | 'input_retyped'
    | 'input_now_required'
    | 'input_now_optional'
    | 'input_range_narrowed'
    | 'input_range_widened'
    | 'input_categories_removed'
    | 'input_categories_added'
    | 'output_removed'
    | 'output_added'
    | 'output_retyped'
    | 'output_categories_changed';
  field: string;
  /** Breaking for clients: needs a MAJOR version bump. */
  breaking: boolean;
  detail: string;
}

export interface SignatureDiff {
  changes: SignatureChange[];
  /** The smallest bump the changes allow: major (breaking), minor (additive) or patch (identical contract). */
  required: BumpKind;
}

type Input = ModelSignature['inputs'][number];
type Output = ModelSignature['outputs'][number];

const required = (f: Input) => f.nullable === false;
const shape = (f: Input) => `${f.type}${required(f) ? '' : '?'}`;

/**
 * What changed in the API contract from `before` to `after`. The server rejects unknown fields, so
 * removing or renaming any input breaks clients that send it; adding a required input breaks clients
 * that do not; narrowing a range or the categories rejects requests that used to pass. Any change to
 * an existing output breaks readers; a new output is additive.
 */
export function diffSignatures(before: ModelSignature, after: ModelSignature): SignatureDiff {
  const changes: SignatureChange[] = [];
  const oldIn = new Map(before.inputs.map((f) => [f.name as string, f]));
  const newIn = new Map(after.inputs.map((f) => [f.name as string, f]));
  const removed = [...oldIn.values()].filter((f) => !newIn.has(f.name));
  const added = [...newIn.values()].filter((f) => !oldIn.has(f.name));
  // A removed and an added input of the same shape are most likely a rename: say so.
  for (const r of removed) {
    const i = added.findIndex((a) => shape(a) === shape(r));
    if (i >= 0) {
      const a = added.splice(i, 1)[0]!;
      changes.push({
        kind: 'input_renamed',
        field: r.name,
        breaking: true,
        detail: `input "${r.name}" renamed to "${a.name}" (${shape(r)})`,
      });
    } else {
      changes.push({
        kind: 'input_removed',
        field: r.name,
        breaking: true,
        detail: `${required(r) ? 'required ' : ''}input "${r.name}" (${r.type}) removed`,
      });
    }
  }
  for (const a of added) {
    changes.push({
      kind: 'input_added',
      field: a.name,
      breaking: required(a),
      detail: `${required(a) ? 'required' : 'optional'} input "${a.name}" (${a.type}) added`,
    });
  }
  for (const [name, o] of oldIn) {
    const n = newIn.get(name);
    if (!n) continue;
    if (o.type !== n.type) {
      changes.push({
        kind: 'input_retyped',
        field: name,
        breaking: true,
        detail: `input "${name}" type ${o.type} → ${n.type}`,
      });
      continue;
    }
    if (required(o) !== required(n)) {
      changes.push(
        required(n)
          ? {
              kind: 'input_now_required',
              field: name,
              breaking: true,
              detail: `input "${name}" became required`,
            }
          : {
              kind: 'input_now_optional',
              field: name,
              breaking: false,
              detail: `input "${name}" became optional`,
            },
      );
    }
    const lo = (v?: number) => v ?? Number.NEGATIVE_INFINITY;
    const hi = (v?: number) => v ?? Number.POSITIVE_INFINITY;
    if (lo(n.min) > lo(o.min) || hi(n.max) < hi(o.max)) {
      changes.push({
        kind: 'input_range_narrowed',
        field: name,
        breaking: true,
        detail: `input "${name}" range [${o.min ?? '-∞'}, ${o.max ?? '∞'}] → [${n.min ?? '-∞'}, ${n.max ?? '∞'}]`,
      });
    } else if (lo(n.min) < lo(o.min) || hi(n.max) > hi(o.max)) {
      changes.push({
        kind: 'input_range_widened',
        field: name,
        breaking: false,
        detail: `input "${name}" range [${o.min ?? '-∞'}, ${o.max ?? '∞'}] → [${n.min ?? '-∞'}, ${n.max ?? '∞'}]`,
      });
    }
    const oc = new Set(o.categories ?? []);
    const nc = new Set(n.categories ?? []);
    const gone = [...oc].filter((c) => !nc.has(c));
    const fresh = [...nc].filter((c) => !oc.has(c));
    if (gone.length) {
      changes.push({
        kind: 'input_categories_removed',
        field: name,
        breaking: true,
        detail: `input "${name}" no longer accepts ${gone.map((c) => JSON.stringify(c)).join(', ')}`,
      });
    }
    if (fresh.length) {
      changes.push({
        kind: 'input_categories_added',
        field: name,
        breaking: false,
        detail: `input "${name}" now also accepts ${fresh.map((c) => JSON.stringify(c)).join(', ')}`,
      });
    }
  }
  const oldOut = new Map(before.outputs.map((f) => [f.name, f]));
  const newOut = new Map(after.outputs.map((f) => [f.name, f]));
  for (const [name, o] of oldOut) {
    const n = newOut.get(name);
    if (!n) {
      changes.push({
        kind: 'output_removed',
        field: name,
        breaking: true,
        detail: `output "${name}" removed`,
      });
    } else if (o.type !== n.type) {
      changes.push({
        kind: 'output_retyped',
        field: name,
        breaking: true,
        detail: `output "${name}" type ${o.type} → ${n.type}`,
      });
    } else if (categoriesKey(o) !== categoriesKey(n)) {
      changes.push({
        kind: 'output_categories_changed',
        field: name,
        breaking: true,
        detail: `output "${name}" categories ${categoriesKey(o) || '(none)'} → ${categoriesKey(n) || '(none)'}`,
      });
    }
  }
  for (const name of newOut.keys()) {
    if (!oldOut.has(name))
      changes.push({ kind: 'output_added', field: name, breaking: false, detail: `output "${name}" added` });
  }
  const requiredBump: BumpKind = changes.some((c) => c.breaking)
    ? 'major'
    : changes.length > 0
      ? 'minor'
      : 'patch';
  return { changes, required: requiredBump };
}

function categoriesKey(o: Output): string {
  return (o.categories ?? []).join(',');
}
