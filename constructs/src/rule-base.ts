import * as path from 'node:path';
import { AuthorityModel } from './authority-model';
import { IAuthorityRule, RuleFinding, RuleLevel } from './rule';

// The base of the pack's own rules. Not exported from the library: users reach rules through
// Rules.all() / Rules.find() as IAuthorityRule.

export interface AuthorityRuleProps {
  /** The rule's source file (`__filename`): the rule's id is its name without extension. */
  readonly file: string;
  readonly summary: string;
  readonly explanation: string;
  readonly advice: string;
  readonly level: RuleLevel;
  /** @default true */
  readonly suppressible?: boolean;
}

/** Base of the pack's rules: one rule per file in rules/, its id taken from the file name. */
export abstract class AuthorityRule implements IAuthorityRule {
  public readonly id: string;
  public readonly summary: string;
  public readonly explanation: string;
  public readonly advice: string;
  public readonly level: RuleLevel;
  public readonly suppressible: boolean;

  protected constructor(props: AuthorityRuleProps) {
    this.id = path.basename(props.file).replace(/(\.d)?\.[cm]?[jt]s$/, '');
    this.summary = props.summary;
    this.explanation = props.explanation;
    this.advice = props.advice;
    this.level = props.level;
    this.suppressible = props.suppressible ?? true;
  }

  public abstract evaluate(model: AuthorityModel): RuleFinding[];
}
