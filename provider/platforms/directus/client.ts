/**
 * A small REST client for Directus (11.x): JSON over Node's fetch, authenticated with a static
 * token or an access token from a login. Answers are Directus's `data`; Directus's error shape
 * (`{ errors: [{ message, extensions: { code } }] }`) becomes a DirectusError naming the request,
 * the status and Directus's messages. The token is never part of an error or a log line.
 */

export interface DirectusClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8055 */
  readonly url: string;
  /** A static token (a user's `token`) or an access token. */
  readonly token: string;
  /** Per request. @default 30000 */
  readonly timeoutMs?: number;
}

/** A refused or failed request: which request, the HTTP status and what Directus said. */
export class DirectusError extends Error {
  public constructor(
    /** `METHOD /path` (query included; never a token). */
    public readonly request: string,
    /** HTTP status, or 0 when no answer came. */
    public readonly status: number,
    /** Directus's error codes, e.g. FORBIDDEN, INVALID_PAYLOAD. */
    public readonly codes: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = 'DirectusError';
  }
}

type Query = Record<string, string | number | boolean>;

export class DirectusClient {
  /** Logs in with email and password (POST /auth/login) and returns a client with the access token. */
  public static async login(url: string, email: string, password: string, timeoutMs?: number): Promise<DirectusClient> {
    const anonymous = new DirectusClient({ url, token: '', timeoutMs });
    const session = await anonymous.post<{ access_token: string }>('/auth/login', { email, password });
    return new DirectusClient({ url, token: session.access_token, timeoutMs });
  }

  private readonly base: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  public constructor(options: DirectusClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30000;
  }

  public get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  public post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  public patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  /** DELETE; a body selects items by query (`{ query: { filter } }`) in one statement on the server. */
  public delete(path: string, body?: unknown): Promise<void> {
    return this.request<void>('DELETE', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const send = () => fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    let res: Response;
    try {
      res = await send().catch((e) => {
        // A kept-alive connection Directus closed while this process was busy: send again on a
        // new one, when sending twice changes nothing (never a POST).
        if (method !== 'POST' && STALE_CONNECTION.includes(causeOf(e))) return send();
        throw e;
      });
    } catch (e) {
      throw new DirectusError(what, 0, [], `Directus at ${this.base} did not answer ${what}: ${causeOf(e)}`);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) throw errorOf(what, res.status, parsed, text);
    if (res.status === 204 || text === '') return undefined as T;
    return (parsed as { data?: T } | undefined)?.data as T;
  }
}

/** What a request on a kept-alive connection the server has closed fails with. */
const STALE_CONNECTION = ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'];

function causeOf(e: unknown): string {
  return (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
}

/** Appends a query string; values are encoded, keys may use Directus's brackets (filter[name][_eq]). */
export function withQuery(path: string, query?: Query): string {
  if (!query || Object.keys(query).length === 0) return path;
  const parts = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(String(v))}`);
  return `${path}${path.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

/** Directus's error answer as a DirectusError: `Directus refused PATCH /items/x/1: 403 FORBIDDEN: ...`. */
export function errorOf(request: string, status: number, parsed: unknown, text: string): DirectusError {
  const errors = (parsed as { errors?: { message?: string; extensions?: { code?: string } }[] } | undefined)?.errors;
  const codes = (errors ?? []).map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string');
  const messages = (errors ?? []).map((e) => e.message).filter((m): m is string => typeof m === 'string' && m !== '');
  const said = messages.length > 0 ? messages.join('; ') : text.slice(0, 300) || '(empty answer)';
  const code = codes.length > 0 ? ` ${[...new Set(codes)].join(', ')}` : '';
  return new DirectusError(request, status, codes, `Directus refused ${request}: ${status}${code}: ${said}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
