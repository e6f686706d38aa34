import { Contract } from './contract';

/**
 * A length of time, e.g. how far a copy may lag behind its authority: a whole number of seconds
 * (the synthesized format, e.g. "90s" or "5m", has no fractions). A factory given an amount that
 * is not a whole number of seconds, e.g. `Duration.seconds(1.5)`, throws.
 */
export class Duration {
  public static seconds(amount: number): Duration {
    return Duration.of('seconds', amount, 1);
  }

  public static minutes(amount: number): Duration {
    return Duration.of('minutes', amount, 60);
  }

  public static hours(amount: number): Duration {
    return Duration.of('hours', amount, 3600);
  }

  public static days(amount: number): Duration {
    return Duration.of('days', amount, 86400);
  }

  /** Whether `x` is a Duration made by this library's factories (for props checked at runtime). */
  public static isDuration(x: unknown): x is Duration {
    return x instanceof Duration;
  }

  private static of(unit: string, amount: number, size: number): Duration {
    const call = `Duration.${unit}(${typeof amount === 'string' ? `"${amount}"` : String(amount)})`;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new Error(`${call}: a duration is a finite number of ${unit}, zero or more.`);
    }
    const total = amount * size;
    if (!Number.isSafeInteger(total)) {
      throw new Error(
        `${call} is ${total} seconds: a duration is a whole number of seconds (lags are synthesized as e.g. "90s"). ` +
          `Use Duration.seconds(${Math.ceil(total)}) or another whole amount.`,
      );
    }
    return new Duration(total);
  }

  private constructor(private readonly totalSeconds: number) {}

  public toSeconds(): number {
    return this.totalSeconds;
  }

  /** e.g. "5m", "2h", "90s": short and stable, for plans and messages (the synthesized `max_lag`). */
  public toString(): string {
    return Contract.formatLag(this.totalSeconds);
  }
}
