/**
 * Triton's statistics extension (`GET /v2/models/defasagem/stats`) for inferences through `/v2`:
 * per model version, the requests that succeeded and failed and where their time went, as cumulative
 * counts and nanoseconds. `inference_count` counts students (rows), `execution_count` requests
 * scored. There is no queue (a request is scored as soon as it is parsed), so `queue.ns` stays 0;
 * there is no response cache. Counters live in the process and start at 0 on every start.
 */
import { OIP_MODEL_NAME } from './response.js';

interface Duration {
  count: number;
  ns: number;
}

interface VersionStats {
  lastInference: number;
  inferenceCount: number;
  executionCount: number;
  success: Duration;
  fail: Duration;
  queue: Duration;
  computeInput: Duration;
  computeInfer: Duration;
  computeOutput: Duration;
}

/** Nanoseconds spent in each phase of one successful request. */
export interface InferTimings {
  input: number;
  infer: number;
  output: number;
}

const zero = (): Duration => ({ count: 0, ns: 0 });
const add = (d: Duration, ns: number) => {
  d.count++;
  d.ns += ns;
};

export class InferStatistics {
  private readonly byVersion = new Map<string, VersionStats>();

  private of(version: string): VersionStats {
    let s = this.byVersion.get(version);
    if (!s) {
      s = {
        lastInference: 0,
        inferenceCount: 0,
        executionCount: 0,
        success: zero(),
        fail: zero(),
        queue: zero(),
        computeInput: zero(),
        computeInfer: zero(),
        computeOutput: zero(),
      };
      this.byVersion.set(version, s);
    }
    return s;
  }

  success(version: string, rows: number, t: InferTimings): void {
    const s = this.of(version);
    s.lastInference = Date.now();
    s.inferenceCount += rows;
    s.executionCount++;
    add(s.success, t.input + t.infer + t.output);
    add(s.queue, 0);
    add(s.computeInput, t.input);
    add(s.computeInfer, t.infer);
    add(s.computeOutput, t.output);
  }

  fail(version: string, ns: number): void {
    add(this.of(version).fail, ns);
  }

  /** The `model_stats` entry of `version` (zeros when it has not answered yet). */
  modelStats(version: string): Record<string, unknown> {
    const s = this.of(version);
    return {
      name: OIP_MODEL_NAME,
      version,
      last_inference: s.lastInference,
      inference_count: s.inferenceCount,
      execution_count: s.executionCount,
      inference_stats: {
        success: { ...s.success },
        fail: { ...s.fail },
        queue: { ...s.queue },
        compute_input: { ...s.computeInput },
        compute_infer: { ...s.computeInfer },
        compute_output: { ...s.computeOutput },
        cache_hit: zero(),
        cache_miss: zero(),
      },
      response_stats: {},
      batch_stats: [],
      memory_usage: [],
    };
  }
}
