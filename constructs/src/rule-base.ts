import type { AuthorityModel } from './authority-model';
import { IAuthorityRule, RuleFinding, RuleLevel } from './rule';

// The base of the pack's own rules. Not exported from the library: users reach rules through
// Rules.all() / Rules.find() as IAuthorityRule.

export interface AuthorityRuleProps {
  /**
   * The rule's id: its file's name without extension (test/rules/rule-pack.test.ts checks it).
   * Written out, not derived from `__filename`, which a bundler changes.
   */
  readonly id: string;
  readonly summary: string;
  readonly explanation: string;
  readonly advice: string;
  readonly level: RuleLevel;
  /** @default true */
  readonly suppressible?: boolean;
}

/** Base of the pack's rules: one rule per file in rules/, its id the file's name. */
export abstract class AuthorityRule implements IAuthorityRule {
  public readonly id: string;
  public readonly summary: string;
  public readonly explanation: string;
  public readonly advice: string;
  public readonly level: RuleLevel;
  public readonly suppressible: boolean;

  protected constructor(props: AuthorityRuleProps) {
    this.id = props.id;
    this.summary = props.summary;
    this.explanation = props.explanation;
    this.advice = props.advice;
    this.level = props.level;
    this.suppressible = props.suppressible ?? true;
  }

  public abstract evaluate(model: AuthorityModel): RuleFinding[];
}
