/**
 * The S3 side of the registry: where `REGISTRY_DIR=s3://bucket/prefix` points, the client built
 * from the usual AWS variables, and the few calls the backend makes, with S3's failures turned into
 * the registry's errors. Nothing here knows about versions or pointers.
 */
import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';

/**
 * The AWS SDK, loaded on first use: it costs ~0.2 s to import, and a registry on local disk (the
 * default) never needs it, so the server and the CLI do not pay for it at start-up.
 */
const requireCjs = createRequire(import.meta.url);
let sdkModule: typeof S3Sdk | undefined;
function sdk(): typeof S3Sdk {
  sdkModule ??= requireCjs('@aws-sdk/client-s3') as typeof S3Sdk;
  return sdkModule;
}

export interface S3Location {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
}

/** Whether a REGISTRY_DIR names an S3 location rather than a directory. */
export function isS3Url(dir: string): boolean {
  return /^s3:\/\//i.test(dir);
}

/** `s3://bucket/some/prefix` → { bucket, prefix: 'some/prefix/' }. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/i.exec(url);
  const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
  if (!m || prefix.split('/').some((p, i) => (p === '' && i > 0) || p === '.' || p === '..')) {
    throw new AppError(
      CORE_ERRORS.CONFIG_INVALID,
      `REGISTRY_DIR ${JSON.stringify(url)} is not a valid S3 location: write s3://BUCKET or s3://BUCKET/PREFIX (bucket names are 3-63 lower-case letters, digits, dots and dashes).`,
      { setting: 'REGISTRY_DIR' },
    );
  }
  return { bucket: m[1]!, prefix: prefix === '' ? '' : `${prefix}/` };
}

/**
 * A client from the usual AWS variables: AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) for a
 * self-hosted server (path-style addressing then, as MinIO, Ceph and Swift want), AWS_REGION
 * (us-east-1 when unset), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or any other source the SDK's
 * default chain knows. Checksums are sent only where S3 requires them: the manifest's sha256 is the
 * registry's integrity check, and older S3-compatible servers refuse the SDK's chunked trailers.
 */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  return new (sdk().S3Client)({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
}

export interface S3Object {
  data: Buffer;
  etag: string;
  lastModified: number;
}

export interface S3Listed {
  key: string;
  size: number;
  lastModified: number;
}

/** A conditional write: create only (`ifNoneMatch`) or replace only this ETag (`ifMatch`). */
export type PutCondition = { ifNoneMatch: true } | { ifMatch: string } | null;

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** The server refused a condition it does not implement (Swift's s3api answers 501). */
export class ConditionNotSupported extends Error {}

/** Thin, typed calls on one bucket; every failure but "not found" and "precondition" is IO_FAILED. */
export class S3Bucket {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    /** For messages: s3://bucket/prefix. */
    readonly location: string,
  ) {}

  private fail(err: unknown, action: string, key: string): AppError {
    if (err instanceof AppError) return err;
    const name = err instanceof sdk().S3ServiceException ? err.name : ((err as Error)?.name ?? 'Error');
    const hint =
      name === 'NoSuchBucket'
        ? ' Create the bucket first (the registry never creates buckets).'
        : name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch'
          ? ' Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.'
          : '';
    return new AppError(
      CORE_ERRORS.IO_FAILED,
      `Registry ${this.location}: ${action} ${key} failed with ${name} (${(err as Error)?.message ?? String(err)}).${hint}`,
      { registry: this.location, s3_error: name, status: statusOf(err) ?? null },
      { cause: err },
    );
  }

  /** The object, or null when there is none. */
  async get(key: string): Promise<S3Object | null> {
    try {
      const r = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      const data = Buffer.from(await r.Body!.transformToByteArray());
      return { data, etag: r.ETag ?? '', lastModified: r.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if ((err as Error)?.name === 'NoSuchKey' || statusOf(err) === 404) {
        if ((err as Error)?.name === 'NoSuchBucket') throw this.fail(err, 'reading', key);
        return null;
      }
      throw this.fail(err, 'reading', key);
    }
  }

  /**
   * Writes the object; returns its ETag, or null when the condition failed (412, or 409 for a
   * concurrent conditional write). Throws ConditionNotSupported on a 501 for a conditional write.
   */
  async put(key: string, data: Buffer | string, condition: PutCondition = null): Promise<string | null> {
    try {
      const r = await this.client.send(
        new (sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ...(condition && 'ifNoneMatch' in condition ? { IfNoneMatch: '*' } : {}),
          ...(condition && 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : {}),
        }),
      );
      return r.ETag ?? '';
    } catch (err) {
      const status = statusOf(err);
      if (condition && (status === 412 || status === 409)) return null;
      if (condition && status === 501) throw new ConditionNotSupported((err as Error).message);
      throw this.fail(err, 'writing', key);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw this.fail(err, 'deleting', key);
    }
  }

  /** Every object under `prefix` (all pages). */
  async list(prefix: string): Promise<S3Listed[]> {
    const out: S3Listed[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new (sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) {
          out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.fail(err, 'listing', prefix || '/');
    }
    return out;
  }
}
