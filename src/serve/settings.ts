import { defineSettings, parsers, type SettingsOf } from '../core/config-base.js';

export const API_ROLES = ['predict', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface ApiKeyEntry {
  /** sha256 of the key, 32 bytes. The key itself is never stored. */
  readonly hash: Buffer;
  readonly role: ApiRole;
  /** First 8 hex chars of the hash: identifies the key in logs and rate-limit buckets. */
  readonly id: string;
}

/** `sha256hex:role,sha256hex:role`; rejects anything that is not a 64-hex hash with a known role. */
export function parseApiKeys(raw: string): ApiKeyEntry[] {
  const out: ApiKeyEntry[] = [];
  for (const item of parsers.list(raw)) {
    const [hex, role, ...rest] = item.split(':').map((s) => s.trim());
    if (rest.length > 0 || !hex || !/^[0-9a-fA-F]{64}$/.test(hex))
      throw new Error(
        'must be a comma-separated list of sha256hex:role (64 hex characters; `defasagem serve hash-key` prints one)',
      );
    if (!API_ROLES.includes(role as ApiRole))
      throw new Error(`roles must be one of: ${API_ROLES.join(', ')}`);
    const hash = Buffer.from(hex.toLowerCase(), 'hex');
    out.push({ hash, role: role as ApiRole, id: hex.slice(0, 8).toLowerCase() });
  }
  return out;
}

/** `ALLOWED_HOSTS`: host names without scheme or port, compared in lower case. */
export function parseHostNames(raw: string): string[] {
  const out: string[] = [];
  for (const item of parsers.list(raw)) {
    const host = item.toLowerCase();
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(host))
      throw new Error(
        'must be comma-separated host names (letters, digits, dots, hyphens; no scheme or port)',
      );
    out.push(host);
  }
  return out;
}

/**
 * A risk-band cut-off: `0.4` is an absolute probability, `0.5t` is half the model's threshold; empty or
 * `model` means the cut-off stored in the model file.
 */
export interface BandCut {
  readonly value: number;
  readonly relative: boolean;
}

export function parseBandCut(raw: string): BandCut | null {
  if (raw.trim() === '' || raw.trim() === 'model') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(t?)\s*$/.exec(raw);
  if (!m) throw new Error('must be a probability like 0.4 or a multiple of the model threshold like 0.5t');
  const value = Number(m[1]);
  const relative = m[2] === 't';
  if (!relative && value > 1) throw new Error('an absolute cut-off must be from 0 to 1');
  if (relative && value > 10) throw new Error('a relative cut-off must be from 0t to 10t');
  return { value, relative };
}

export const SERVE_SETTINGS = defineSettings({
  host: {
    env: 'HOST',
    default: '127.0.0.1' as string,
    description:
      'Address `serve` and `start` listen on (--host overrides). Off loopback API_KEYS is required.',
    parse: parsers.string,
  },
  port: {
    env: 'PORT',
    default: 8000 as number,
    description: 'TCP port `serve` and `start` listen on (--port overrides); 0 picks a free port.',
    parse: parsers.int(0, 65535),
  },
  onModelError: {
    env: 'ON_MODEL_ERROR',
    default: 'not-ready' as 'not-ready' | 'exit',
    description:
      'When no valid model can be loaded at start-up: "not-ready" starts anyway (503 on /ready with the reason; a later valid champion is picked up) or "exit" stops with the error. There is never a fallback to other model files.',
    parse: parsers.oneOf(['not-ready', 'exit']),
  },
  apiKeys: {
    env: 'API_KEYS',
    default: [] as ApiKeyEntry[],
    description:
      'API keys as comma-separated sha256hex:role (roles: predict, admin); `defasagem serve hash-key` hashes a key. Empty = no auth, allowed only on a loopback host.',
    parse: parseApiKeys,
    secret: true,
  },
  maxInstances: {
    env: 'MAX_INSTANCES',
    default: 1000 as number,
    description: 'Most students accepted in one /predict or /v2 infer request.',
    parse: parsers.int(1, 100_000),
  },
  bodyLimitBytes: {
    env: 'BODY_LIMIT_BYTES',
    default: 1_048_576 as number,
    description: 'Largest request body in bytes; larger bodies get 413 before they are parsed.',
    parse: parsers.int(1024, 100 * 1_048_576),
  },
  extraFeaturePolicy: {
    env: 'EXTRA_FEATURE_POLICY',
    default: 'reject' as 'reject' | 'ignore',
    description:
      'Fields the signature does not know: "reject" answers 422, "ignore" drops them. Names, RA and CPF are always rejected.',
    parse: parsers.oneOf(['reject', 'ignore']),
  },
  rateLimitMax: {
    env: 'RATE_LIMIT_MAX',
    default: 10_000 as number,
    description:
      'Students scored per API key (per client address when auth is off) in each window: a batch of n costs n, a request that scores no one costs 1; 0 disables the limit (and RATE_LIMIT_CONCURRENCY).',
    parse: parsers.int(0, 1_000_000_000),
  },
  rateLimitWindowMs: {
    env: 'RATE_LIMIT_WINDOW_MS',
    default: 60_000 as number,
    description: 'Length of the rate-limit window in milliseconds.',
    parse: parsers.int(1000, 86_400_000),
  },
  rateLimitConcurrency: {
    env: 'RATE_LIMIT_CONCURRENCY',
    default: 8 as number,
    description:
      'Requests in flight at once per API key (per client address when auth is off); one more gets 429. 0 = no bound.',
    parse: parsers.int(0, 100_000),
  },
  authFailureLimit: {
    env: 'AUTH_FAILURE_LIMIT',
    default: 20 as number,
    description:
      'Failed API-key checks (missing or wrong key) allowed per client address per minute; past it the address gets 429 before its key is checked. 0 disables. Only with API_KEYS set.',
    parse: parsers.int(0, 1_000_000),
  },
  allowedHosts: {
    env: 'ALLOWED_HOSTS',
    default: [] as string[],
    description:
      'With API_KEYS empty the server answers only requests whose Host (and, on POST, Origin) is loopback; list other host names here (comma-separated, e.g. a name in /etc/hosts) to accept them too.',
    parse: parseHostNames,
  },
  reloadPollSeconds: {
    env: 'RELOAD_POLL_SECONDS',
    default: 5 as number,
    description:
      'With MODEL_VERSION=champion, how often champion.json is re-read as a fallback to file watching; 0 = watch only.',
    parse: parsers.number(0, 3600),
  },
  riskBandAlto: {
    env: 'RISK_BAND_ALTO',
    default: null as BandCut | null,
    description:
      'Lowest risk_score with risk_band "alto". Empty = the cut-off chosen at training and stored in the model (alto_from); else a probability (0.6) or a multiple of the model threshold (1.5t).',
    parse: parseBandCut,
  },
  riskBandMedio: {
    env: 'RISK_BAND_MEDIO',
    default: null as BandCut | null,
    description:
      'Lowest risk_score with risk_band "medio" (below it: "baixo"). Empty = the model\'s own (medio_from, the threshold); else a probability or a multiple of the threshold (1t).',
    parse: parseBandCut,
  },
  scoreUploadLimitBytes: {
    env: 'SCORE_UPLOAD_LIMIT_BYTES',
    default: 10_485_760 as number,
    description:
      'Largest workbook or CSV POST /score accepts, in bytes (held in memory, never written to disk); a larger upload gets 413.',
    parse: parsers.int(1024, 1_073_741_824),
  },
  topFactors: {
    env: 'TOP_FACTORS',
    default: 3 as number,
    description: 'How many factors (top_factors) each prediction explains; 0 leaves them out.',
    parse: parsers.int(0, 20),
  },
  shutdownGraceMs: {
    env: 'SHUTDOWN_GRACE_MS',
    default: 10_000 as number,
    description: 'On SIGTERM/SIGINT, how long in-flight requests may take before the server closes anyway.',
    parse: parsers.int(0, 600_000),
  },
});

export type ServeSettings = SettingsOf<typeof SERVE_SETTINGS>;
