// A plan is data: the steps a wiring takes, each with its undo. `--dry-run` prints it; apply
// runs it and, on any failure, undoes the steps already applied in reverse order, so a failed
// wiring leaves the kernel as it found it.
import { KernelError } from '../netlink/errors.js';
import { withContext } from '../util/errors.js';

export interface Step {
  /** the step in words: "create veth veth1pl42 on br1 <-> eth1 in container web" */
  what: string;
  /** host or guest side, for display */
  where: 'host' | 'guest';
  apply(): void | Promise<void>;
  /** reverses apply(); absent when the step changes nothing that outlives a later undo */
  undo?(): void | Promise<void>;
}

export interface StepHooks {
  /** called before each step; throwing here fails the wiring at that step (used by tests) */
  beforeStep?(index: number, step: Step): void;
}

export class StepFailedError extends Error {
  constructor(
    readonly step: Step,
    readonly index: number,
    cause: unknown,
    readonly undoFailures: string[],
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    // Kernel errors already name their operation; anything else gets the step's words.
    const head = cause instanceof KernelError ? msg : `${step.what}: ${msg}`;
    const tail = undoFailures.length ? `; rolling back also failed: ${undoFailures.join('; ')}` : '';
    super(`${head}${tail}`, { cause });
    this.name = 'StepFailedError';
  }
}

/** Applies steps in order; on failure undoes the applied ones in reverse and throws StepFailedError. */
export async function applySteps(steps: readonly Step[], hooks: StepHooks = {}): Promise<void> {
  const done: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    try {
      hooks.beforeStep?.(i, step);
      await step.apply();
      done.push(step);
    } catch (e) {
      const undoFailures = await rollback(done);
      throw new StepFailedError(step, i, e, undoFailures);
    }
  }
}

/** Undoes steps in reverse; returns the failures (each is tried regardless of the others). */
export async function rollback(done: readonly Step[]): Promise<string[]> {
  const failures: string[] = [];
  for (let i = done.length - 1; i >= 0; i--) {
    const step = done[i];
    if (!step.undo) continue;
    try {
      await step.undo();
    } catch (e) {
      failures.push(withContext(`undoing "${step.what}"`, e).message);
    }
  }
  return failures;
}
