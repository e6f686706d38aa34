import { Annotations } from 'cdktf';
import { IConstruct } from 'constructs';
import { AuthorityModel } from './authority-model';
import type { Domain } from './domain';
import { DOMAIN, isMarked } from './markers';
import { AuthorityModelError } from './model-error';
import { IAuthorityRule, RuleLevel } from './rule';
import { AuthorityLocationMissingRule } from './rules/authority-location-missing';
import { CopyLocationMissingRule } from './rules/copy-location-missing';
import { RecordKeyMissingRule } from './rules/record-key-missing';
import { CopyOnAuthorityRule } from './rules/copy-on-authority';
import { CorrectionPathMissingRule } from './rules/correction-path-missing';
import { CorrectionPathNotAuthorityRule } from './rules/correction-path-not-authority';
import { DuplicateCopyRule } from './rules/duplicate-copy';
import { FedFromOverrideRule } from './rules/fed-from-override';
import { GoverningTeamMissingRule } from './rules/governing-team-missing';
import { GuardCollisionRule } from './rules/guard-collision';
import { InvalidSplitRule } from './rules/invalid-split';
import { LocalOverrideRule } from './rules/local-override';
import { MappedRouteSharedRule } from './rules/mapped-route-shared';
import { MixedOriginsRule } from './rules/mixed-origins';
import { NewestWinsOneWriterRule } from './rules/newest-wins-one-writer';
import { NoAuthorityRule } from './rules/no-authority';
import { OriginMissingRule } from './rules/origin-missing';
import { ReportingAuthorityRule } from './rules/reporting-authority';
import { SyncLoopRule } from './rules/sync-loop';
import { TwoAuthoritiesRule } from './rules/two-authorities';
import { TwoWritersRule } from './rules/two-writers';
import { TwoWayNewestWinsRule } from './rules/two-way-newest-wins';
import { UndeclaredChainRule } from './rules/undeclared-chain';
import { UnlabeledHolderRule } from './rules/unlabeled-holder';

/** Metadata type under which a suppression is recorded on a construct. */
const SUPPRESSION_METADATA = 'authority:suppression';

/**
 * One `app.synth()`: every Domain validates, and the pack runs once for all of them. Started by
 * the Domains' prepareStack (which App.synth calls for every stack before any validation), ended
 * when every Domain has validated or the report has errors (synth throws on the first Domain).
 */
interface SynthRound {
  readonly pending: Set<IConstruct>;
  report?: RuleReport;
}
const rounds = new WeakMap<IConstruct, SynthRound>();

/** A finding as the pack reports it: which rule, where, what, what to do, and whether suppressed. */
export interface ReportedFinding {
  /** The rule's id, e.g. "two-authorities". */
  readonly ruleId: string;
  /** The rule's level: ERROR fails synth unless suppressed, WARNING is reported. */
  readonly level: RuleLevel;
  /** The construct the finding is about. */
  readonly subject: IConstruct;
  /** The subject's construct path, e.g. "campaigns/campaign-naming"; "(app)" for the root. */
  readonly path: string;
  /** What is wrong, naming the facts, platforms and policies involved. */
  readonly message: string;
  /** What to do. */
  readonly advice: string;
  /**
   * The reason given by the suppression that covers this finding.
   * @default not suppressed
   */
  readonly suppressedBecause?: string;
}

/** Every finding of the pack for one app, suppressed or not. */
export class RuleReport {
  /** @param findings every finding, suppressed or not, in the pack's rule order */
  constructor(public readonly findings: ReportedFinding[]) {}

  /** Unsuppressed findings of ERROR rules: they fail synth. */
  public get errors(): ReportedFinding[] {
    return this.findings.filter((f) => f.level === RuleLevel.ERROR && f.suppressedBecause === undefined);
  }

  /** Unsuppressed findings of WARNING rules: reported, synth goes on. */
  public get warnings(): ReportedFinding[] {
    return this.findings.filter((f) => f.level === RuleLevel.WARNING && f.suppressedBecause === undefined);
  }

  /** Findings covered by a suppression (reported as info, with the suppression's reason). */
  public get suppressed(): ReportedFinding[] {
    return this.findings.filter((f) => f.suppressedBecause !== undefined);
  }

  /** The findings of one rule (suppressed or not). */
  public ofRule(ruleId: string): ReportedFinding[] {
    return this.findings.filter((f) => f.ruleId === ruleId);
  }

  /**
   * Everything that fails synth, and the warnings, as one text for a terminal.
   * @returns an empty string when there are no errors
   */
  public formatErrors(): string {
    // By construct path (a person fixes the model file by file), then in the pack's rule order.
    const byPath = (list: ReportedFinding[]) => list
      .map((f, i) => ({ f, i }))
      .sort((a, b) => (a.f.path < b.f.path ? -1 : a.f.path > b.f.path ? 1 : a.i - b.i))
      .map(({ f }) => f);
    const errors = byPath(this.errors);
    if (errors.length === 0) return '';
    const warnings = byPath(this.warnings);
    const lines = [
      `The authority model breaks ${errors.length === 1 ? 'a rule' : `rules in ${errors.length} places`} ` +
        '(every Domain of the app is checked together):',
      ...errors.flatMap((f) => ['', Rules.describe(f)]),
    ];
    if (warnings.length > 0) {
      lines.push('', `Also ${warnings.length === 1 ? '1 warning, which does' : `${warnings.length} warnings, which do`} not fail synth:`);
      lines.push(...warnings.flatMap((f) => ['', Rules.describe(f)]));
    }
    const ids = [...new Set(errors.map((f) => f.ruleId))];
    const suppressible = ids.filter((id) => Rules.find(id).suppressible);
    if (suppressible.length > 0) {
      const others = suppressible.length < ids.length ? '; the others protect data and cannot be suppressed' : '';
      lines.push(
        '',
        `Where a finding is acceptable, suppress it with a reason: Rules.suppress(construct, '<rule-id>', '<why>') ` +
          `(possible for ${suppressible.join(', ')}${others}).`,
      );
    }
    return lines.join('\n');
  }
}

/**
 * The authority rule pack: synth-time checks of the authority model, one rule per file in
 * rules/. Every Domain runs the pack on the whole app when synth validates it; the first Domain
 * to be validated reports every finding of the app at once, so errors in several Domains (or
 * between them) fail one synth together. Errors fail synth; warnings become cdktf warning
 * annotations; suppressed findings become info annotations that carry their reason.
 *
 * The rules that cannot be suppressed also run in each Domain's aspect, which cdktf runs whatever
 * skips validations (`new App({ skipValidation: true })`, `Testing.synth(stack)` without
 * `runValidations`): a finding of theirs throws AuthorityModelError with every error of the app.
 */
export class Rules {
  /** Every rule of the pack, in the pack's order. */
  public static all(): IAuthorityRule[] {
    Rules.pack ??= [
      // One authority per fact.
      new NoAuthorityRule(),
      new TwoAuthoritiesRule(),
      new ReportingAuthorityRule(),
      // Allowed edits and propagation direction.
      new TwoWritersRule(),
      new InvalidSplitRule(),
      new SyncLoopRule(),
      new UndeclaredChainRule(),
      new CopyOnAuthorityRule(),
      new DuplicateCopyRule(),
      new CopyLocationMissingRule(),
      new GuardCollisionRule(),
      new MappedRouteSharedRule(),
      new LocalOverrideRule(),
      new NewestWinsOneWriterRule(),
      new TwoWayNewestWinsRule(),
      // Correction path.
      new CorrectionPathMissingRule(),
      new CorrectionPathNotAuthorityRule(),
      // Origin and governance (the final checklist).
      new MixedOriginsRule(),
      new OriginMissingRule(),
      new GoverningTeamMissingRule(),
      // Warnings.
      new FedFromOverrideRule(),
      new AuthorityLocationMissingRule(),
      new UnlabeledHolderRule(),
      new RecordKeyMissingRule(),
    ];
    return [...Rules.pack];
  }

  /** The rule with this id ("two-authorities" or "authority/two-authorities"). */
  public static find(ruleId: string): IAuthorityRule {
    const id = ruleId.replace(/^authority\//, '');
    const rule = Rules.all().find((r) => r.id === id);
    if (!rule) {
      throw new Error(`No authority rule "${ruleId}". The rules are: ${Rules.all().map((r) => r.id).join(', ')}.`);
    }
    return rule;
  }

  /**
   * Suppresses a rule's findings on `scope` and every construct under it, for a stated reason
   * (shown in synth output next to each finding it covers). Throws if the reason is blank, if
   * the rule does not exist, or if the rule protects data and cannot be suppressed.
   */
  public static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    const where = Rules.pathOf(scope);
    const rule = Rules.find(ruleId);
    if (!rule.suppressible) {
      throw new Error(
        `${where}: authority/${rule.id} cannot be suppressed: it protects data (${rule.summary}) ` +
          `Fix the model instead: ${rule.advice}`,
      );
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(
        `${where}: suppressing authority/${rule.id} needs a reason: say why the finding is acceptable here, ` +
          `e.g. Rules.suppress(scope, '${rule.id}', 'reporting copy retired in Q3; tracked in OPS-123').`,
      );
    }
    scope.node.addMetadata(SUPPRESSION_METADATA, { rule: rule.id, reason: reason.trim() }, { stackTrace: false });
  }

  /** Runs every rule on the app that holds `scope` and reports all findings, suppressed or not. */
  public static check(scope: IConstruct): RuleReport {
    const model = AuthorityModel.of(scope);
    const findings: ReportedFinding[] = [];
    for (const rule of Rules.all()) {
      for (const finding of rule.evaluate(model)) {
        const reason = rule.suppressible ? Rules.suppressionReason(finding.subject, rule.id) : undefined;
        findings.push({
          ruleId: rule.id,
          level: rule.level,
          subject: finding.subject,
          path: Rules.pathOf(finding.subject),
          message: finding.message,
          advice: finding.advice ?? rule.advice,
          suppressedBecause: reason,
        });
      }
    }
    return new RuleReport(findings);
  }

  /**
   * Called by each Domain's prepareStack: App.synth prepares every stack before it validates any,
   * so the first call of a synth opens a round in which the pack runs once for all Domains.
   * @internal
   */
  public static _beginSynth(domain: Domain): void {
    const root = domain.node.root;
    const round = rounds.get(root);
    if (round && round.report === undefined) return; // this synth's round is open already
    rounds.set(root, { pending: new Set(root.node.findAll().filter((c) => isMarked<Domain>(c, DOMAIN))) });
  }

  /**
   * What a Domain's validation runs: checks the whole app (once per synth), records warnings and
   * suppressed findings as annotations on their constructs, and returns the errors as one
   * message (none if the model complies).
   * @internal
   */
  public static _validateDomain(domain: Domain): string[] {
    const round = rounds.get(domain.node.root);
    const report = Rules.reportFor(domain);
    if (round && round.pending.has(domain)) {
      round.pending.delete(domain);
      if (round.pending.size === 0 || report.errors.length > 0) rounds.delete(domain.node.root);
    }
    const text = report.formatErrors();
    return text ? [text] : [];
  }

  /**
   * What a Domain's aspect runs at synth, whether or not validations run: when a rule that
   * protects data has a finding, synth stops here with every error of the app (an
   * AuthorityModelError). Suppressible findings are left to validation.
   * @internal
   */
  public static _enforceProtectingRules(domain: Domain): void {
    const report = Rules.reportFor(domain);
    if (report.errors.some((f) => !Rules.find(f.ruleId).suppressible)) {
      throw new AuthorityModelError(report.formatErrors());
    }
  }

  /**
   * One finding, for a terminal: `[authority/<id>] <path>: <message>` and, indented below, what to do.
   */
  public static describe(finding: ReportedFinding): string {
    const level = finding.level === RuleLevel.WARNING ? ' (warning)' : '';
    return `[authority/${finding.ruleId}]${level} ${finding.path}: ${finding.message}\n    Fix: ${finding.advice}`;
  }

  private static pack?: IAuthorityRule[];

  /** This synth's report (run once per App.synth round), or a fresh one outside App.synth. */
  private static reportFor(domain: Domain): RuleReport {
    const root = domain.node.root;
    const round = rounds.get(root);
    // Outside App.synth (e.g. Testing.synth(domain)): no round, run it now.
    if (!round || !round.pending.has(domain)) return Rules.annotated(Rules.check(root));
    return round.report ??= Rules.annotated(Rules.check(root));
  }

  /** Records the report's warnings and suppressed findings as annotations on their constructs, once. */
  private static annotated(report: RuleReport): RuleReport {
    for (const f of report.warnings) Rules.annotateOnce(f.subject, 'warning', Rules.describe(f));
    for (const f of report.suppressed) {
      Rules.annotateOnce(f.subject, 'info', `[authority/${f.ruleId}] suppressed: ${f.suppressedBecause} (finding: ${f.message})`);
    }
    return report;
  }

  private static pathOf(scope: IConstruct): string {
    return scope.node.path === '' ? '(app)' : scope.node.path;
  }

  /** The reason of the nearest suppression of `ruleId` on `scope` or a scope above it. */
  private static suppressionReason(scope: IConstruct, ruleId: string): string | undefined {
    for (const s of scope.node.scopes.slice().reverse()) {
      const entry = s.node.metadata.find((m) => m.type === SUPPRESSION_METADATA && m.data?.rule === ruleId);
      if (entry) return entry.data.reason;
    }
    return undefined;
  }

  private static annotateOnce(scope: IConstruct, kind: 'warning' | 'info', message: string): void {
    const type = kind === 'warning' ? '@cdktf/warn' : '@cdktf/info';
    if (scope.node.metadata.some((m) => m.type === type && m.data === message)) return;
    if (kind === 'warning') Annotations.of(scope).addWarning(message);
    else Annotations.of(scope).addInfo(message);
  }
}
