import { IConstruct } from 'constructs';
import type { AuthorityModel } from './authority-model';

/** How a rule's findings affect synth. */
export enum RuleLevel {
  /** Fails synth: nothing is written until it is fixed (or, where allowed, suppressed with a reason). */
  ERROR = 'error',
  /** Reported as a cdktf warning annotation, and synth goes on. */
  WARNING = 'warning',
}

/** One thing a rule found wrong in the model, about one construct. */
export interface RuleFinding {
  /**
   * The construct the finding is about (a policy, a concept, a domain). Its path leads the
   * message, and a suppression on it or on any scope above it applies.
   */
  readonly subject: IConstruct;
  /** What is wrong here, naming the facts, platforms and policies involved. */
  readonly message: string;
  /**
   * What to do about it here, when more specific than the rule's advice.
   * @default the rule's advice
   */
  readonly advice?: string;
}

/**
 * A rule of the pack: it reads the whole authority model and returns findings. It knows nothing
 * of reporting, levels in synth or suppressions; the pack does that.
 */
export interface IAuthorityRule {
  /** Stable id, from the rule's file name (e.g. "two-authorities"); what suppressions name. */
  readonly id: string;
  /** One line: what the rule looks for. */
  readonly summary: string;
  /** Why it matters, in the product's vocabulary. */
  readonly explanation: string;
  /** What to do when it fires, in general. A finding may say it more precisely. */
  readonly advice: string;
  /** ERROR fails synth, WARNING is reported as an annotation. */
  readonly level: RuleLevel;
  /**
   * Whether a finding may be suppressed (with a reason). Rules that protect data cannot be.
   */
  readonly suppressible: boolean;
  /**
   * Every finding of this rule in the model.
   * @returns an empty list when the model complies
   */
  evaluate(model: AuthorityModel): RuleFinding[];
}
