import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALL_SETTINGS } from './settings.js';

/** Docker cannot run here: these checks keep the deploy files consistent with the settings schema. */
const root = new URL('../../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), 'utf8');
const settingEnvs = new Set(
  ALL_SETTINGS.flatMap(({ settings }) => Object.values(settings).map((d) => d.env)),
);
// Variables read by Node itself, not by our settings schema.
const RUNTIME_ENVS = new Set(['NODE_ENV']);

describe('deploy files', () => {
  it('docker-compose.scale.yml: replicas follow the champion of one S3 registry, with known settings only', () => {
    type Service = { environment?: Record<string, string>; volumes?: string[] };
    const compose = parse(read('docker-compose.scale.yml'), { merge: true }) as {
      services: Record<string, Service>;
    };
    const apis = Object.entries(compose.services).filter(([name]) => name.startsWith('api-'));
    expect(apis.length).toBeGreaterThanOrEqual(2);
    for (const [name, api] of apis) {
      const env = api.environment!;
      for (const key of Object.keys(env)) {
        expect(settingEnvs.has(key) || key.startsWith('AWS_'), `${name}: ${key} is not a setting`).toBe(true);
      }
      expect(env.REGISTRY_DIR).toMatch(/^s3:\/\//);
      expect(env.MODEL_VERSION).toBe('champion');
      expect(Number(env.RELOAD_POLL_SECONDS)).toBeGreaterThan(0); // the only way to follow on S3
      expect(env.API_KEYS).toMatch(/^\$\{API_KEYS:\?/);
      // Events in one PostgreSQL; the outcomes report `monitor outcomes` saves in one shared volume.
      expect(env.MONITOR_DATABASE_URL).toMatch(/^postgres:\/\//);
      expect(api.volumes?.find((v) => v.split(':')[1] === env.MONITOR_DATA_DIR)).toBeTruthy();
    }
  });

  it('docker-compose.yml serves the champion from a registry volume, with known settings only', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { environment: Record<string, string>; volumes: string[]; ports: string[] }>;
    };
    const api = compose.services.api!;
    const env = api.environment;
    for (const name of Object.keys(env)) expect(settingEnvs.has(name), `${name} is not a setting`).toBe(true);
    expect(env.MODEL_VERSION).toBe('champion');
    expect(env.API_KEYS).toMatch(/^\$\{API_KEYS:\?/); // required, never a default key
    const registryMount = api.volumes.find((v) => v.split(':')[1] === env.REGISTRY_DIR);
    expect(registryMount, 'a volume must be mounted at REGISTRY_DIR').toBeTruthy();
    expect(api.ports.some((p) => p.endsWith(`:${env.PORT}`))).toBe(true);
    // Monitoring writes in a volume of its own (the root filesystem is read-only).
    const monitoringMount = api.volumes.find((v) => v.split(':')[1] === env.MONITOR_DATA_DIR);
    expect(monitoringMount, 'a volume must be mounted at MONITOR_DATA_DIR').toBeTruthy();
    expect(monitoringMount!.endsWith(':ro')).toBe(false);
    // The limiter charges students: a requests-sized RATE_LIMIT_MAX would refuse cohort uploads.
    expect(env.RATE_LIMIT_MAX === undefined || Number(env.RATE_LIMIT_MAX) >= 10_000).toBe(true);
  });

  it('Dockerfile is multi-stage, non-root, with a healthcheck and known settings only', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/ready/m);
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? '';
    const names = [...envBlock.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names)
      expect(settingEnvs.has(name) || RUNTIME_ENVS.has(name), `${name} is not a setting`).toBe(true);
    const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
    expect(dockerfile).toContain(`"${pkg.bin.defasagem}", "serve"`);
  });

  it('Dockerfile: every stage on one maintained Node LTS that better-sqlite3 supports, the module compiled in a native stage', () => {
    const dockerfile = read('Dockerfile');
    const image = /^ARG NODE_IMAGE=node:(\d+)-(\w+)-slim$/m.exec(dockerfile);
    expect(image, 'ARG NODE_IMAGE=node:<major>-<debian>-slim').toBeTruthy();
    const major = Number(image![1]);
    // LTS lines are the even majors; 20 reached its end of life in April 2026.
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    const engines = (
      JSON.parse(read('node_modules/better-sqlite3/package.json')) as { engines: { node: string } }
    ).engines.node;
    expect(engines.split('||').map((r) => r.trim())).toContain(`${major}.x`);
    const froms = [...dockerfile.matchAll(/^FROM (\S+) AS (\w+)$/gm)].map((m) => [m[1], m[2]]);
    const arg = '$' + '{NODE_IMAGE}';
    expect(froms).toEqual([
      [arg, 'native'],
      [arg, 'build'],
      [arg, 'runtime'],
    ]);
    const native = dockerfile.slice(dockerfile.indexOf('AS native'), dockerfile.indexOf('AS build'));
    expect(native).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(native).toContain('npm run build-release --prefix node_modules/better-sqlite3');
    expect(native).toContain("require('better-sqlite3')");
    expect(dockerfile).toContain('COPY --from=native --chown=node:node /app/node_modules ./node_modules');
  });

  it('.dockerignore keeps data, models and secrets out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const p of ['data', 'models', 'artifacts', '.env', 'node_modules', '*.xlsx'])
      expect(ignore).toContain(p);
  });
});
