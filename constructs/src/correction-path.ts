import { Platform } from './platform';
import { checkInstance, checkObject, checkString } from './prop-checks';

export interface CorrectionPathOptions {
  /** How to correct the value there, e.g. "Campaigns > Campaign > Edit name". */
  readonly how: string;
  /** @default none */
  readonly runbook?: string;
  /** Who to ask, e.g. "#marketing-ops". @default none */
  readonly contact?: string;
}

/** Where an operator corrects a wrong value, safely. */
export class CorrectionPath {
  /**
   * Correct the value on `platform` (the authority, normally). A blank `how` is accepted here and
   * reported by the rule pack (correction-path-missing) with the policy's path.
   */
  public static at(platform: Platform, options: CorrectionPathOptions): CorrectionPath {
    checkInstance('CorrectionPath.at', 'platform', platform, (x): x is Platform => x instanceof Platform, 'a Platform',
      'the Platform object (new Platform({ name, kind, ... })), not its name');
    const where = `CorrectionPath.at(${platform.name})`;
    checkObject(where, 'options', options, false);
    checkString(where, 'how', options.how, { blankAllowed: true });
    checkString(where, 'runbook', options.runbook, { optional: true, blankAllowed: true });
    checkString(where, 'contact', options.contact, { optional: true, blankAllowed: true });
    return new CorrectionPath(platform, options.how, options.runbook, options.contact);
  }

  private constructor(
    public readonly platform: Platform,
    public readonly how: string,
    public readonly runbook?: string,
    public readonly contact?: string,
  ) {}

  /** Whether `how` says nothing (empty or whitespace): the rule pack reports such a path. */
  public get isBlank(): boolean {
    return this.how.trim() === '';
  }

  /** The sentence a refused person reads. Blank parts are left out, never printed empty. */
  public describe(): string {
    const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
    const [how, runbook, contact] = [this.how, this.runbook, this.contact].map((s) => s?.trim());
    return [
      how ? sentence(`Correct it in ${this.platform.title}: ${how}`) : `Correct it in ${this.platform.title}.`,
      runbook ? sentence(`Runbook: ${runbook}`) : '',
      contact ? sentence(`Ask ${contact}`) : '',
    ].filter(Boolean).join(' ');
  }
}
