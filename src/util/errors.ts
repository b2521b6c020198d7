// Errors about what the user asked for (as opposed to what the kernel refused): each names the
// problem and, where there is one, the way to fix it. The CLI turns them into exit code 1 or 2.

/** "problem; hint", or "problem. Hint" when the problem is already a sentence. */
export function joinHint(problem: string, hint?: string): string {
  if (!hint) return problem;
  return /[.?!]$/.test(problem) ? `${problem} ${hint}` : `${problem}; ${hint}`;
}

export class InputError extends Error {
  readonly problem: string;
  readonly hint?: string;
  constructor(problem: string, hint?: string) {
    super(joinHint(problem, hint));
    this.problem = problem;
    this.name = 'InputError';
    this.hint = hint;
  }
}

/** What the request names does not exist (or no longer does: a stopped container, a dead PID). */
export class NotFoundError extends InputError {
  constructor(problem: string, hint?: string) {
    super(problem, hint);
    this.name = 'NotFoundError';
  }
}

/** The request is well-formed but conflicts with what is already there. */
export class ConflictError extends Error {
  constructor(problem: string, hint?: string) {
    super(joinHint(problem, hint));
    this.name = 'ConflictError';
  }
}

/** Wraps any error with the step it happened in, keeping the original as cause. */
export function withContext(context: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const wrapped = new Error(`${context}: ${msg}`, { cause: e });
  wrapped.name = e instanceof Error ? e.name : 'Error';
  return wrapped;
}
