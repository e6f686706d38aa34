/**
 * A fact's live status, read through terraform: a refresh-only plan of the fact's domain makes
 * the provider read each protection and sync route from the platforms (its reads are honest, so
 * a guard disabled by hand reads `enforced = false`), and the provider's warnings say how far a
 * copy lags and how many rows differ. Nothing is changed: refresh-only, saved to a scratch file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terraformEnv } from '../tooling/terraform-env';
import type { AuthorityMap, MapFact } from './map-types';
import { splitLocation } from './odcs';
import { OverrideFigures, RouteFigures, overrideFigures, routeFigures, stackPlatforms } from './live-platforms';
import { protectionSays, routeSays } from './answers';

export type ProtectionState = 'enforced' | 'drifted' | 'not_applied';
export type RouteState = 'streaming' | 'drifted' | 'not_applied';

export interface ProtectionStatus {
  readonly platform: string;
  readonly table: string;
  /** "copy" (guarded) or "authority" (recorded; nothing guarded). */
  readonly role: string;
  readonly state: ProtectionState;
  /** How strongly the platform holds it now, as the provider read it: "enforced", "advisory" or "manual". @default not applied */
  readonly strength?: string;
  /** A local override: the values overridden now. @default no local override there */
  readonly overrides?: OverrideFigures;
  /** The status in words (map/answers.ts). */
  readonly says: string;
}

export interface RouteStatus {
  readonly from: string;
  readonly to: string;
  readonly table: string;
  readonly state: RouteState;
  /** How far the copy may lag (the route's max_lag). @default no bound */
  readonly maxLag?: string;
  /** How the route runs now, read from the platforms. @default not applied */
  readonly now?: RouteFigures;
  /** divergence manual_review: resolutions the sync has not written yet (the route's resolutions_waiting). @default 0 */
  readonly resolutionsWaiting?: number;
  /** The status in words (map/answers.ts). */
  readonly says: string;
}

export interface LiveStatus {
  readonly fact: string;
  readonly domain: string;
  readonly protections: ProtectionStatus[];
  readonly routes: RouteStatus[];
  /** The provider's warnings about the fact's tables: lag beyond max lag, a stopped route, rows that differ. */
  readonly warnings: string[];
}

interface PlannedResource { readonly type: string; readonly values: Record<string, any> }

/** The resources as refreshed: the drift's after-values over the prior state. */
export function refreshedResources(plan: any): Map<string, PlannedResource> {
  const out = new Map<string, PlannedResource>();
  const walk = (m: any) => {
    for (const r of m?.resources ?? []) out.set(r.address, { type: r.type, values: r.values ?? {} });
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(plan?.prior_state?.values?.root_module);
  for (const d of plan?.resource_drift ?? []) {
    if (d.change?.actions?.includes('delete') && !d.change.after) out.delete(d.address);
    else if (d.change?.after) out.set(d.address, { type: d.type, values: d.change.after });
  }
  return out;
}

/** What the platforms say now about one protection and one route (map/live-platforms.ts), by resource values. */
export interface PlatformFigures {
  overrides(protection: Record<string, any>): Promise<OverrideFigures | undefined>;
  route(route: Record<string, any>): Promise<RouteFigures | undefined>;
}

/**
 * The fact's status from a refresh-only plan (terraform show -json) and the provider's warnings;
 * with `figures`, also the lag, review queue and overrides the platforms report now.
 */
export async function statusFromPlan(fact: MapFact, plan: any, diagnostics: readonly string[], figures?: PlatformFigures): Promise<LiveStatus> {
  const resources = [...refreshedResources(plan).values()];
  const a = fact.answers;
  const holders = [
    ...(a.origin.authorityLocation ? [{ location: a.origin.authorityLocation, role: 'authority' }] : []),
    ...a.copies.copies.filter((c) => c.location).map((c) => ({ location: c.location!, role: 'copy' })),
  ];
  const protections = await Promise.all(holders.map(async ({ location, role }): Promise<ProtectionStatus> => {
    const l = splitLocation(location);
    const r = resources.find((x) => x.type === 'authority_field_protection' && x.values.platform === l.platform &&
      x.values.table === l.table && (x.values.schema ?? 'public') === l.schema && (x.values.columns ?? []).includes(l.column));
    const state: ProtectionState = !r ? 'not_applied' : r.values.enforced === false ? 'drifted' : 'enforced';
    const overrides = r && role === 'copy' && typeof r.values.override_reason === 'string' ? await figures?.overrides(r.values) : undefined;
    const status = {
      platform: l.platform, table: `${l.schema}.${l.table}`, role, state,
      ...(r && typeof r.values.strength === 'string' ? { strength: r.values.strength } : {}),
      ...(overrides ? { overrides } : {}),
    };
    return { ...status, says: protectionSays(status) };
  }));
  const routes = await Promise.all(a.copies.copies.filter((c) => c.location).map(async (c): Promise<RouteStatus> => {
    const l = splitLocation(c.location!);
    const r = resources.find((x) => x.type === 'authority_sync_route' && x.values.authority === c.fedFrom && x.values.copy === c.platform &&
      x.values.table === l.table && (x.values.schema ?? 'public') === l.schema && (x.values.columns ?? []).includes(l.column));
    const state: RouteState = !r ? 'not_applied' : r.values.enabled === false ? 'drifted' : 'streaming';
    const now = r ? await figures?.route(r.values) : undefined;
    const status = {
      from: c.fedFrom, to: c.platform, table: `${l.schema}.${l.table}`, state,
      ...(r && typeof r.values.max_lag === 'string' ? { maxLag: r.values.max_lag } : {}),
      ...(now ? { now } : {}),
      ...(r && typeof r.values.resolutions_waiting === 'number' && r.values.resolutions_waiting > 0 ? { resolutionsWaiting: r.values.resolutions_waiting } : {}),
    };
    return { ...status, says: routeSays(status) };
  }));
  const tables = new Set(holders.map((h) => splitLocation(h.location).table));
  const warnings = diagnostics.filter((d) => [...tables].some((t) => d.includes(t)) || d.includes(fact.id));
  return { fact: fact.id, domain: fact.domain, protections, routes, warnings };
}

/** Runs a refresh-only plan of a synthesized, initialized stack; returns the plan as JSON and the provider's warnings and errors. */
export function refreshOnlyPlan(stackDir: string, env: NodeJS.ProcessEnv = {}): { plan: any; diagnostics: string[] } {
  if (!fs.existsSync(path.join(stackDir, '.terraform'))) {
    throw new Error(`${stackDir} is not initialized: deploy the domain first (npx cdktf deploy, or terraform init there).`);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-live-'));
  const planFile = path.join(scratch, 'refresh.tfplan');
  const run = (args: string[]) => spawnSync('terraform', args, { cwd: stackDir, env: terraformEnv({ ...env }), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  try {
    const p = run(['plan', '-refresh-only', '-input=false', '-lock=false', '-json', `-out=${planFile}`]);
    const messages = (p.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
    const diagnostics = messages.filter((m) => m.type === 'diagnostic')
      .map((m) => `${m.diagnostic.severity}: ${m.diagnostic.summary}${m.diagnostic.detail ? ` — ${m.diagnostic.detail}` : ''}`);
    if (p.status !== 0) throw new Error(`terraform plan -refresh-only failed in ${stackDir}:\n${diagnostics.join('\n') || p.stderr}`);
    const s = run(['show', '-json', planFile]);
    if (s.status !== 0) throw new Error(`terraform show -json failed in ${stackDir}: ${s.stderr}`);
    return { plan: JSON.parse(s.stdout), diagnostics };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The live status of `factId`, from its domain's deployed stack in `<stacksDir>/<domain>` (or
 * `stackDir`): a refresh-only plan for what terraform tracks, then the platforms themselves for the
 * figures it does not (lag, review queue, overrides).
 */
export async function liveStatus(map: AuthorityMap, factId: string, stacksDir: string, stackDir?: string, env: NodeJS.ProcessEnv = {}): Promise<LiveStatus> {
  const fact = map.facts.find((f) => f.id === factId);
  if (!fact) throw new Error(`The map has no fact "${factId}".`);
  const dir = stackDir ?? path.join(stacksDir, fact.domain);
  if (!fs.existsSync(path.join(dir, 'cdk.tf.json'))) {
    throw new Error(`No synthesized stack for domain "${fact.domain}" at ${dir}: run \`npx cdktf synth\` (and deploy) first, or leave out --live.`);
  }
  const { plan, diagnostics } = refreshOnlyPlan(dir, env);
  const platforms = stackPlatforms(dir);
  try {
    return await statusFromPlan(fact, plan, diagnostics, {
      overrides: (p) => overrideFigures(platforms, p),
      route: (r) => routeFigures(platforms, r),
    });
  } finally {
    await platforms.close();
  }
}
