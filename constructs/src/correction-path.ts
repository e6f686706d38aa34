import { Platform } from './platform';

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
  /** Correct the value on `platform` (the authority, normally). */
  public static at(platform: Platform, options: CorrectionPathOptions): CorrectionPath {
    return new CorrectionPath(platform, options.how, options.runbook, options.contact);
  }

  private constructor(
    public readonly platform: Platform,
    public readonly how: string,
    public readonly runbook?: string,
    public readonly contact?: string,
  ) {}

  /** The sentence a refused person reads. */
  public describe(): string {
    const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
    return [
      sentence(`Correct it in ${this.platform.title}: ${this.how}`),
      this.runbook ? sentence(`Runbook: ${this.runbook}`) : '',
      this.contact ? sentence(`Ask ${this.contact}`) : '',
    ].filter(Boolean).join(' ');
  }
}
