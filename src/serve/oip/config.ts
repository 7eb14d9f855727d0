/**
 * Triton's model configuration extension (`GET /v2/models/defasagem/config`): the JSON form of
 * Triton's ModelConfig, with the fields its tools read (perf_analyzer: `max_batch_size`, each input's
 * and output's `name`, `optional`, `is_shape_tensor`). `max_batch_size` is 0: our tensors are [n]
 * with n the number of students, not a batch dimension in front of per-student dims.
 */
import type { ModelBundle } from '../bundle.js';
import { OIP_OUTPUTS } from './request.js';
import { OIP_MODEL_NAME } from './response.js';

/** The protocol datatype of a signature field. */
export function datatypeFor(type: string): 'BYTES' | 'INT64' | 'FP64' {
  return type === 'category' ? 'BYTES' : type === 'integer' ? 'INT64' : 'FP64';
}

/** ModelConfig's enum for a protocol datatype (BYTES is TYPE_STRING there). */
function configType(datatype: string): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

export function platformOf(b: ModelBundle): string {
  return `defasagem-${b.model.learner}`;
}

export function modelMetadata(b: ModelBundle): Record<string, unknown> {
  return {
    name: OIP_MODEL_NAME,
    versions: [b.version],
    platform: platformOf(b),
    inputs: b.signature.inputs.map((f) => ({ name: f.name, datatype: datatypeFor(f.type), shape: [-1] })),
    outputs: OIP_OUTPUTS,
    // Not in the protocol's metadata answer (its other answers carry optional `parameters`): an extra
    // key clients ignore, saying whether the model was trained on synthetic data.
    parameters: { synthetic: b.synthetic },
  };
}

export function modelConfig(b: ModelBundle): Record<string, unknown> {
  return {
    name: OIP_MODEL_NAME,
    platform: platformOf(b),
    backend: 'defasagem',
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: 0,
    input: b.signature.inputs.map((f) => ({
      name: f.name,
      data_type: configType(datatypeFor(f.type)),
      format: 'FORMAT_NONE',
      dims: [-1],
      is_shape_tensor: false,
      allow_ragged_batch: false,
      optional: f.nullable,
    })),
    output: OIP_OUTPUTS.map((o) => ({
      name: o.name,
      data_type: configType(o.datatype),
      dims: [-1],
      label_filename: '',
      is_shape_tensor: false,
    })),
    instance_group: [{ name: OIP_MODEL_NAME, kind: 'KIND_CPU', count: 1, gpus: [], profile: [] }],
    default_model_filename: '',
    parameters: {},
  };
}
