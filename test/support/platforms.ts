/** Real PostgreSQL servers for a test file: the example's CRM and operations tool. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../../embedded/local-postgres';
import { prepareExamplePlatform } from '../../embedded/example-platforms';
import { Platform, PlatformConnection, PlatformKind } from '../../constructs/src';
import type { PostgresConnectionSettings } from '../../provider/platforms/postgresql/connection';

export interface TestPlatforms {
  readonly dir: string;
  readonly crm: LocalPostgres;
  readonly ops: LocalPostgres;
  /** A superuser connection to a platform's database (the caller ends it). */
  connect(platform: 'crm' | 'ops'): Promise<Client>;
  stop(): Promise<void>;
}

export async function startTestPlatforms(): Promise<TestPlatforms> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-test-'));
  // The server runs as another user when tests run as root: let it into the folder.
  fs.chmodSync(dir, 0o755);
  const [crm, ops] = await Promise.all(['crm', 'ops'].map(async (name) => {
    const server = await LocalPostgres.start({ dir: path.join(dir, name) });
    await prepareExamplePlatform(name, server.clientConfig());
    return server;
  }));
  const servers = { crm, ops };
  return {
    dir,
    crm,
    ops,
    async connect(platform) {
      const c = new Client(servers[platform].clientConfig(platform));
      await c.connect();
      return c;
    },
    async stop() {
      await Promise.all([crm.stop(true), ops.stop(true)]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `sql` as `role` (SET ROLE, so current_user is that role) and returns the error, if any. */
export async function tryAs(db: Client, role: string, sql: string, params: unknown[] = []): Promise<Error & { hint?: string; code?: string } | undefined> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL ROLE ${db.escapeIdentifier(role)}`);
    await db.query(sql, params);
    await db.query('COMMIT');
    return undefined;
  } catch (e) {
    await db.query('ROLLBACK');
    return e as Error;
  }
}

/** A Platform construct for a test server's database of the same name ("the CRM", "the OPS"). */
export function connectedPlatform(name: 'crm' | 'ops', server: LocalPostgres, kind: PlatformKind): Platform {
  const c = server.connection;
  return new Platform({
    name, kind, title: `the ${name.toUpperCase()}`,
    connection: PlatformConnection.postgresql({ host: c.host, port: c.port, database: name, username: c.username, passwordFile: c.passwordFile }),
  });
}

/** How the provider reaches a test server's database of the same name, as its superuser (for adapters made in a test). */
export function providerSettings(name: 'crm' | 'ops', server: LocalPostgres): PostgresConnectionSettings {
  const c = server.connection;
  return { host: c.host, port: c.port, database: name, username: c.username, password: fs.readFileSync(c.passwordFile, 'utf8').trim() };
}

/** The example's servers for one test file, with a superuser client on each platform's database. */
export interface FilePlatforms {
  readonly platforms: TestPlatforms;
  readonly crm: Client;
  readonly ops: Client;
}

export interface FilePlatformsOptions {
  /** Runs once the servers answer, before the file's tests (e.g. creates its tables). @default nothing */
  readonly prepare?: (made: FilePlatforms) => Promise<void>;
  /** Runs after the file's tests, before the servers stop (e.g. a destroy). @default nothing */
  readonly release?: () => Promise<void> | void;
}

/**
 * Starts the CRM's and the operations tool's servers before the file's tests and stops them
 * after. The returned objects stand for what beforeAll makes, so the file names them once, at
 * its top.
 */
export function useTestPlatforms({ prepare, release }: FilePlatformsOptions = {}): FilePlatforms {
  let made: FilePlatforms | undefined;
  // Each piece is kept as soon as it exists, so afterAll stops what a failed beforeAll started.
  let started: TestPlatforms | undefined;
  const clients: Client[] = [];
  beforeAll(async () => {
    started = await startTestPlatforms();
    const platforms = started;
    const [crm, ops] = await Promise.all(['crm', 'ops'].map(async (name) => {
      const client = await platforms.connect(name as 'crm' | 'ops');
      clients.push(client);
      return client;
    }));
    made = { platforms, crm, ops };
    await prepare?.(made);
  });
  afterAll(async () => {
    try {
      if (made) await release?.();
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await started?.stop();
    }
  });
  return {
    platforms: standIn(() => made?.platforms),
    crm: standIn(() => made?.crm),
    ops: standIn(() => made?.ops),
  };
}

/** An object that forwards to what `current` returns, once beforeAll has made it. */
function standIn<T extends object>(current: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, property) {
      const target = current();
      if (!target) throw new Error('the test platforms are used before beforeAll started them');
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
