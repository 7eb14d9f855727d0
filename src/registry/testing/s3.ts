/**
 * A real S3 server for the registry tests: Debian's OpenStack Swift with s3api on loopback, started
 * by scripts/swift-s3/start.sh (idempotent; .ci/run starts it before the tests, and a test run
 * without it starts it here once). Where Swift is not installed, the S3 variants of the tests are
 * skipped and this says so loudly. A registry per test is a fresh prefix in one test bucket.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { parseS3Url, S3Bucket, s3ClientFromEnv } from '../s3-client.js';
import { REPO_ROOT } from './spawn.js';

export const TEST_BUCKET = 'defasagem-test';

let env: Record<string, string> | null | undefined;

/** The server's AWS_* variables (also set on process.env, so child workers inherit them), or null. */
export function s3TestEnv(): Record<string, string> | null {
  if (env !== undefined) return env;
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/swift-s3/start.sh')], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) {
    console.warn(
      `\n!!! S3 registry tests SKIPPED: scripts/swift-s3/start.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 400)}\n!!! apt-get install -y swift swift-proxy swift-account swift-container swift-object\n`,
    );
    env = null;
    return env;
  }
  env = Object.fromEntries(
    r.stdout
      .split('\n')
      .map((l) => /^(AWS_[A-Z_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  Object.assign(process.env, env);
  return env;
}

let bucketReady: Promise<void> | null = null;

/** A fresh, empty registry location in the test bucket (created on first use). */
export async function s3TempLocation(): Promise<string> {
  if (!s3TestEnv()) throw new Error('no S3 test server (see s3TestEnv)');
  bucketReady ??= s3ClientFromEnv()
    .send(new CreateBucketCommand({ Bucket: TEST_BUCKET }))
    .then(
      () => undefined,
      (err: Error) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
      },
    );
  await bucketReady;
  return `s3://${TEST_BUCKET}/t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The raw bucket behind a location, for tests that look under the registry (or tamper with it). */
export function rawBucket(url: string): { bucket: S3Bucket; prefix: string } {
  const loc = parseS3Url(url);
  return { bucket: new S3Bucket(s3ClientFromEnv(), loc.bucket, url), prefix: loc.prefix };
}
