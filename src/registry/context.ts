import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadSettings } from '../core/config.js';
import { LocalFsStorage } from './fs-storage.js';
import { isS3Url, s3ClientFromEnv } from './s3-client.js';
import { S3Storage } from './s3-storage.js';
import { REGISTRY_SETTINGS, type RegistrySettings } from './settings.js';
import type { RegistryStorage } from './storage.js';

/** A registry to act on: its storage and the settings (guardrails, lock timings) in force. */
export interface RegistryContext {
  storage: RegistryStorage;
  settings: RegistrySettings;
}

/**
 * A registry directory or a ready context. A directory is opened with the settings read from the
 * environment once per process (`registrySettingsFromEnv`); the composition layer and the CLI build a
 * context with `openRegistry(dir, settings)` instead and pass it down.
 */
export type RegistryRef = string | RegistryContext;

let client: S3Client | null = null;

/** A REGISTRY_DIR as the registry is opened: an S3 location as written, a directory made absolute. */
export function registryLocation(dir: string): string {
  return isS3Url(dir) ? dir : path.resolve(dir);
}

/**
 * The registry at `dir`, with these settings: a local directory, or `s3://bucket/prefix` on
 * S3-compatible storage (endpoint and credentials from the AWS_* variables, one client per process).
 */
export function openRegistry(dir: string, settings: RegistrySettings): RegistryContext {
  const lock = { timeoutMs: settings.lockTimeoutMs, leaseMs: settings.lockLeaseMs };
  if (isS3Url(dir)) {
    client ??= s3ClientFromEnv();
    return { storage: new S3Storage(dir, client, { ...lock, settleMs: settings.s3SettleMs }), settings };
  }
  return { storage: new LocalFsStorage(dir, lock), settings };
}

let fromEnv: RegistrySettings | null = null;

/** The registry settings of this process's environment, read (and validated) at the first call only. */
export function registrySettingsFromEnv(): RegistrySettings {
  fromEnv ??= loadSettings(REGISTRY_SETTINGS);
  return fromEnv;
}

export function contextOf(ref: RegistryRef): RegistryContext {
  return typeof ref === 'string' ? openRegistry(ref, registrySettingsFromEnv()) : ref;
}
