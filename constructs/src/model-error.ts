// Not exported from the library's index: jsii does not carry subclasses of Error to other
// languages. main.ts and tests import it from here.

/**
 * Synth refused the authority model: the message lists every finding that fails synth, each with
 * its rule, construct path and what to do. Print the message; a stack trace adds nothing.
 */
export class AuthorityModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorityModelError';
  }
}
