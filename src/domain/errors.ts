// What domain code throws when it cannot do what was asked. Each says what went wrong in the
// domain's terms, with a stable code clients act on (`case_closed`, `unknown_department`) and a
// message for people; the HTTP edge picks the status (src/http/errors.ts), so the domain knows
// nothing of HTTP and a worker or the CLI can catch the same errors by kind.

export abstract class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input cannot be used as it is: missing, malformed, out of range, naming nothing known. */
export class InvalidInput extends DomainError {}

/** No such thing, or none the caller may see (a case outside their department reads the same). */
export class NotFound extends DomainError {
  constructor(message: string, code = 'not_found') {
    super(code, message);
  }
}

/** The caller's role or department does not allow it. */
export class NotAllowed extends DomainError {
  constructor(message = 'not allowed for your role', code = 'forbidden') {
    super(code, message);
  }
}

/** The thing's state does not allow it now: a closed case, an extension already used. */
export class StateConflict extends DomainError {}

/** A store it needs is away for now; the same request may succeed later. */
export class Unavailable extends DomainError {}
