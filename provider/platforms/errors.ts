/**
 * The errors every platform kind raises in the same words, so resources handle them without
 * knowing the kind: a kind's adapter throws (or subclasses) these, and resources catch these.
 */

/** The platform cannot be reached, or refused the provider's login. The message says what to check. */
export class PlatformUnreachableError extends Error {
  constructor(public readonly platform: string, message: string) {
    super(message);
  }
}

/** The platform refused a step (a privilege, a lock it gave up waiting on, a constraint). */
export class PlatformRefusedError extends Error {
  constructor(public readonly platform: string, message: string, public readonly advice?: string) {
    super(message);
  }
}

/** What a step needed (a table, a column, a principal) is not on the platform. */
export class NotFoundError extends Error {
  constructor(public readonly platform: string, message: string) {
    super(message);
  }
}
