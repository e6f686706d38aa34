/**
 * A small JSON-RPC client for Tryton (6.x): `common.db.login` with a login and password gives a
 * session, sent with each call as `Authorization: Session base64(login:user_id:session)`; calls are
 * `POST /<database>/ {method, params}`. Tryton's faults (`{error: [type, [message, description]]}`)
 * and HTTP statuses become a TrytonError naming the method, never the password or the session.
 */

export interface TrytonClientOptions {
  /** Base URL of trytond, e.g. http://127.0.0.1:8000 */
  readonly url: string;
  readonly database: string;
  readonly login: string;
  readonly password: string;
  /** Per request. @default 30000 */
  readonly timeoutMs?: number;
}

/** A refused or failed call: which method, the HTTP status (0: no answer) and what Tryton said. */
export class TrytonError extends Error {
  public constructor(
    public readonly method: string,
    /** HTTP status, or 0 when no answer came. */
    public readonly status: number,
    /** Tryton's fault type (UserError, AccessError, LoginException ...), when it answered with one. */
    public readonly fault: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TrytonError';
  }
}

export type Context = Record<string, unknown>;

export class TrytonClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private session?: Promise<string>;

  public constructor(private readonly options: TrytonClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30000;
  }

  /** Calls `model.<model>.<method>` with `args` and the context last, as Tryton's clients do. */
  public model<T>(model: string, method: string, args: unknown[], context: Context = {}): Promise<T> {
    return this.call<T>(`model.${model}.${method}`, [...args, context]);
  }

  /** search_read with every record, active or not. */
  public searchRead<T>(model: string, domain: unknown[], fields: string[], context: Context = {}): Promise<T[]> {
    return this.model<T[]>(model, 'search_read', [domain, 0, null, [['id', 'ASC']], fields], { active_test: false, ...context });
  }

  /** A call as the logged-in user; logs in again once when the session expired. */
  public async call<T>(method: string, params: unknown[]): Promise<T> {
    const session = await this.login();
    try {
      return await this.send<T>(method, params, session);
    } catch (e) {
      if (!(e instanceof TrytonError) || e.status !== 401) throw e;
      this.session = undefined;
      return this.send<T>(method, params, await this.login());
    }
  }

  private login(): Promise<string> {
    if (!this.session) {
      const { login, password } = this.options;
      this.session = this.send<[number, string]>('common.db.login', [login, { password }, 'en'])
        .then(([user, key]) => Buffer.from(`${login}:${user}:${key}`).toString('base64'));
      this.session.catch(() => { this.session = undefined; });
    }
    return this.session;
  }

  private async send<T>(method: string, params: unknown[], session?: string): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (session) headers.authorization = `Session ${session}`;
    const at = `${this.base}/${encodeURIComponent(this.options.database)}/`;
    let res: Response;
    try {
      res = await fetch(at, { method: 'POST', headers, body: JSON.stringify({ id: 1, method, params }), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new TrytonError(method, 0, undefined, `Tryton at ${this.base} did not answer ${method}: ${causeOf(e)}`);
    }
    const text = await res.text();
    const parsed = parseJson(text) as { result?: T; error?: unknown } | undefined;
    if (!res.ok || parsed === undefined) {
      const said = res.status === 401 || res.status === 403 ? 'the login was refused' : text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
      throw new TrytonError(method, res.status, undefined, `Tryton refused ${method} on database ${JSON.stringify(this.options.database)}: ${res.status}: ${said || '(empty answer)'}`);
    }
    if (parsed.error !== undefined) throw faultOf(method, res.status, parsed.error);
    return parsed.result as T;
  }
}

/** Tryton's fault as a TrytonError: `[type, [message, description, ...]]` or `[type, detail]`. */
export function faultOf(method: string, status: number, error: unknown): TrytonError {
  const [type, detail] = Array.isArray(error) ? error : [String(error), undefined];
  const parts = Array.isArray(detail) ? detail.filter((d): d is string => typeof d === 'string' && d !== '') : typeof detail === 'string' && detail !== '' ? [detail] : [];
  const said = parts.length > 0 ? parts.join(' ') : String(type);
  return new TrytonError(method, status, String(type), `Tryton refused ${method}: ${said}`);
}

function causeOf(e: unknown): string {
  return (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
