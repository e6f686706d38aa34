/**
 * Rule pack tests: build a small authority model in a fresh App, run the real `app.synth()`
 * (validations included) into a temporary folder, and return what a user would see.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import {
  AuthorityPolicy, AuthorityPolicyProps, Concept, Copy, CorrectionPath, Domain, Duration, Platform, PlatformConnection,
  PlatformKind, Propagation,
} from '../../constructs/src';

export interface Platforms {
  readonly crm: Platform;
  readonly ops: Platform;
  readonly cms: Platform;
  readonly erp: Platform;
  readonly bi: Platform;
}

/**
 * The seeds' platforms, modelled but not connected (nothing to enforce, nothing to start); or,
 * `connected`, with a PostgreSQL connection each, so synth makes their protections and routes
 * (no server is reached at synth).
 */
export function platforms(connected = false): Platforms {
  const platform = (name: string, kind: PlatformKind, title: string) => new Platform({
    name, kind, title,
    connection: connected ? PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' }) : undefined,
  });
  return {
    crm: platform('crm', PlatformKind.CRM, 'the CRM'),
    ops: platform('ops', PlatformKind.INTERNAL_TOOL, 'the operations tool'),
    cms: platform('cms', PlatformKind.CMS, 'the CMS'),
    erp: platform('erp', PlatformKind.ERP, 'the ERP'),
    bi: platform('bi', PlatformKind.BI, 'the BI layer'),
  };
}

export interface SynthOptions {
  /** Platforms with connections (see platforms()). @default false */
  readonly connected?: boolean;
  /** `new App({ skipValidation: true })`. @default false */
  readonly skipValidation?: boolean;
}

export interface Annotation {
  readonly constructPath: string;
  readonly level: string;
  readonly message: string;
}

export interface SynthResult {
  /** The message synth failed with, if it failed. */
  readonly error?: string;
  /** The Terraform JSON of each stack written, by stack name (empty when synth failed). */
  readonly stacks: Record<string, any>;
  /** The annotations written to the manifest (empty when synth failed). */
  readonly annotations: Annotation[];
  readonly warnings: Annotation[];
}

/** A fresh App whose "today" is fixed, so expiry tests do not depend on the calendar. */
export function newApp(context: Record<string, unknown> = {}, skipValidation = false): { app: App; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-rules-'));
  const app = new App({ outdir, stackTraces: false, skipValidation, context: { 'authority:today': '2030-01-15', ...context } });
  return { app, outdir };
}

/** Builds a model with `build` and synthesizes it as a user would (`app.synth()`). */
export function synth(build: (app: App, p: Platforms) => void, context: Record<string, unknown> = {}, options: SynthOptions = {}): SynthResult {
  const { app, outdir } = newApp(context, options.skipValidation);
  build(app, platforms(options.connected));
  return synthApp(app, outdir);
}

export function synthApp(app: App, outdir: string): SynthResult {
  try {
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const annotations: Annotation[] = Object.values<any>(manifest.stacks).flatMap((s) => s.annotations ?? []);
    const stacks = Object.fromEntries(Object.entries<any>(manifest.stacks).map(([name, s]) =>
      [name, JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), 'utf8'))]));
    return { annotations, warnings: annotations.filter((a) => a.level === '@cdktf/warn'), stacks };
  } catch (e) {
    return { error: (e as Error).message, annotations: [], warnings: [], stacks: {} };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export interface CampaignsOptions {
  /** The Domain's id. @default "campaigns" */
  readonly id?: string;
  /** The platforms that hold each field, at <table>.<field>. @default crm and ops */
  readonly holders?: (p: Platforms) => Platform[];
  /**
   * The concept's fields. When given, the policy is record-level (all of them) unless
   * `overrides.fields` says otherwise.
   * @default ["name"], with a field-level policy over it
   */
  readonly fields?: string[];
  /** The table that holds the fields on every holder. @default "campaigns" */
  readonly table?: string;
  /** The Domain's governing team. @default "Marketing operations" */
  readonly governedBy?: string;
}

/**
 * The campaigns domain from the seeds, fully compliant: campaign.name is authoritative in the
 * CRM, created there, governed by marketing operations, with a read-only copy in the operations
 * tool, one-way propagation and a correction path in the CRM. `overrides` replace policy props.
 */
export function campaigns(
  app: App,
  p: Platforms,
  overrides: Partial<AuthorityPolicyProps> = {},
  options: CampaignsOptions = {},
): { domain: Domain; campaign: Concept; policy: AuthorityPolicy } {
  const domain = new Domain(app, options.id ?? 'campaigns', { governedBy: options.governedBy ?? 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  const holders = options.holders ? options.holders(p) : [p.crm, p.ops];
  for (const name of options.fields ?? ['name']) {
    campaign.addField(name, ...holders.map((h) => h.at(`${options.table ?? 'campaigns'}.${name}`)));
  }
  const policy = new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign,
    fields: options.fields ? undefined : ['name'],
    authority: p.crm,
    origin: p.crm,
    copies: [Copy.readOnly(p.ops)],
    propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
    correction: CorrectionPath.at(p.crm, { how: 'open the campaign and edit its name', contact: '#marketing-ops' }),
    ...overrides,
  });
  return { domain, campaign, policy };
}

/** Asserts synth failed with a finding of `ruleId` on `constructPath` whose text contains `advice`. */
export function expectError(result: SynthResult, ruleId: string, constructPath: string, advice: string | RegExp): void {
  expect(result.error).toBeDefined();
  const finding = findingText(result.error!, ruleId, constructPath);
  if (typeof advice === 'string') expect(finding).toContain(advice);
  else expect(finding).toMatch(advice);
}

/** Asserts synth succeeded with a warning of `ruleId` on `constructPath` that contains `advice`. */
export function expectWarning(result: SynthResult, ruleId: string, constructPath: string, advice: string): void {
  expect(result.error).toBeUndefined();
  const warning = result.warnings.find((w) => w.message.startsWith(`[authority/${ruleId}] (warning) ${constructPath}: `));
  expect(warning?.constructPath).toBe(constructPath);
  expect(warning?.message).toContain(advice);
}

/** Asserts synth succeeded with no authority warnings at all. */
export function expectClean(result: SynthResult): void {
  expect(result.error).toBeUndefined();
  expect(result.warnings.filter((w) => w.message.startsWith('[authority/'))).toEqual([]);
}

/** The text of one finding (its line and the advice below it) in a failed synth's message. */
export function findingText(error: string, ruleId: string, constructPath: string): string {
  const header = `[authority/${ruleId}] ${constructPath}: `;
  const start = error.indexOf(header);
  if (start < 0) throw new Error(`No finding "${header}" in:\n${error}`);
  const end = error.indexOf('\n[authority/', start + 1);
  return error.slice(start, end < 0 ? undefined : end);
}

/** How many findings the message lists. */
export function countFindings(error: string): number {
  return (error.match(/^\[authority\/[a-z-]+\]/gm) ?? []).length;
}

/** Two policies route the CRM's promos to ops, mapped into promos_view: one field each. */
export function mappedTwice(app: App, p: Platforms): Domain {
  const domain = new Domain(app, 'promos', { governedBy: 'Marketing operations' });
  const promo = new Concept(domain, 'Promo');
  promo.addField('name', p.crm.at('promos.name'), p.ops.at('promos_view.display_name'));
  promo.addField('budget', p.crm.at('promos.budget'), p.ops.at('promos_view.display_budget'));
  promo.keyedBy({ keys: [p.crm.at('promos.id'), p.ops.at('promos_view.ext_id')] });
  for (const field of ['name', 'budget']) {
    new AuthorityPolicy(domain, `promo-${field}s`, {
      concept: promo, fields: [field], authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit the promo' }),
    });
  }
  return domain;
}
