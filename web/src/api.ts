/**
 * The API as the page uses it: the same endpoints and keys as any client. The key is typed once and
 * kept in sessionStorage (gone when the tab closes); every call sends it as X-API-Key.
 */
const KEY_ITEM = 'defasagem.chave';

export const storedKey = (): string | null => sessionStorage.getItem(KEY_ITEM);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_ITEM);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** A FormData body (file upload) instead of JSON. */
  form?: FormData;
  /** Send this key instead of the stored one (trying a key before keeping it). */
  key?: string | null;
  accept?: string;
}

async function errorOf(r: Response): Promise<ApiError> {
  const retry = Number(r.headers.get('retry-after'));
  let code = `HTTP_${r.status}`;
  let message = r.statusText;
  let details: Record<string, unknown> = {};
  try {
    const body = (await r.json()) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    if (body.error?.details) details = body.error.details;
  } catch {
    // Not a JSON error body (a proxy's page): the status says enough.
  }
  return new ApiError(r.status, code, message, details, Number.isFinite(retry) && retry > 0 ? retry : null);
}

export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
  const key = opts.key === undefined ? storedKey() : opts.key;
  if (key) headers['x-api-key'] = key;
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let r: Response;
  try {
    r = await fetch(path, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server did not answer.');
  }
  if (!r.ok) throw await errorOf(r);
  return r;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return (await request(path, opts)).json() as Promise<T>;
}

/** True when the error means "this endpoint does not exist on this server (yet)". */
export const isMissingEndpoint = (err: unknown): boolean =>
  err instanceof ApiError && err.status === 404 && err.code === 'DEF_ERR_API_ROUTE_NOT_FOUND';
