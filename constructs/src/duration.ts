/** A length of time, e.g. how far a copy may lag behind its authority. */
export class Duration {
  public static seconds(amount: number): Duration {
    return new Duration(amount);
  }

  public static minutes(amount: number): Duration {
    return new Duration(amount * 60);
  }

  public static hours(amount: number): Duration {
    return new Duration(amount * 3600);
  }

  public static days(amount: number): Duration {
    return new Duration(amount * 86400);
  }

  private constructor(private readonly totalSeconds: number) {
    if (!Number.isFinite(totalSeconds) || totalSeconds < 0) {
      throw new Error(`A duration must be a finite number of seconds, zero or more; got ${totalSeconds}.`);
    }
  }

  public toSeconds(): number {
    return this.totalSeconds;
  }

  /** e.g. "5m", "2h", "90s": short and stable, for plans and messages. */
  public toString(): string {
    const s = this.totalSeconds;
    if (s !== 0 && s % 86400 === 0) return `${s / 86400}d`;
    if (s !== 0 && s % 3600 === 0) return `${s / 3600}h`;
    if (s !== 0 && s % 60 === 0) return `${s / 60}m`;
    return `${s}s`;
  }
}
