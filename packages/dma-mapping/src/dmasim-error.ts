// One base for every error the dmasim packages throw on purpose, so a caller can tell the model's
// typed errors (bad firmware, bad arguments, a state the kernel would BUG on) from bugs, and match
// on `code`, which stays the same when a message is reworded.
export class DmasimError extends Error {
  /** The stable code of this kind of error; every subclass sets its own. */
  static readonly code: string = 'DMASIM_ERROR';
  /** The class's `code`, on each instance. */
  readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DmasimError';
    this.code = (new.target as typeof DmasimError).code;
  }
}
