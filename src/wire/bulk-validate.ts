// Checking lists of wirings (for wireMany and `pipework apply -f`) and of interfaces to remove
// (unwireMany, `pipework del -f`) before anything is touched: no kernel, no Docker.
import { InputError } from '../util/errors.js';
import { checkIfname, DEFAULT_IFNAME, normalize, type WiringSpec } from './spec.js';

/** Which interface to remove: the guest, and its interface name (default eth1). */
export interface UnwireTarget {
  guest: string;
  ifname?: string;
}

/** A problem with one entry of a list of wirings, found before anything is touched. */
export interface SpecProblem {
  index: number;
  message: string;
}

/**
 * Checks every wiring of a list without touching anything: each spec as wire() would check it,
 * and the list as a whole (the same guest interface or the same host-side name twice).
 */
export function validateSpecs(specs: readonly WiringSpec[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seenIf = new Map<string, number>();
  const seenLocal = new Map<string, number>();
  specs.forEach((spec, index) => {
    try {
      if (!spec || typeof spec !== 'object') throw new InputError('a wiring is an object with at least host, guest and address');
      if (typeof spec.guest !== 'string' || spec.guest === '') throw new InputError('no guest given', 'name a container, netns:NAME, pid:N or a netns path');
      const req = normalize(spec);
      const ifKey = `${spec.guest}\0${req.ifname ?? DEFAULT_IFNAME}`;
      const prev = seenIf.get(ifKey);
      if (prev !== undefined) throw new InputError(`${req.ifname ?? DEFAULT_IFNAME} in ${spec.guest} is already wired by entry ${prev}`, 'give each guest interface once');
      seenIf.set(ifKey, index);
      if (req.local !== undefined) {
        checkIfname(req.local, 'host interface name (local)', 'choose a name of at most 15 characters');
        const other = seenLocal.get(req.local);
        if (other !== undefined) throw new InputError(`host-side name ${req.local} is also used by entry ${other}`, 'give each wiring its own local name');
        seenLocal.set(req.local, index);
      }
    } catch (e) {
      problems.push({ index, message: e instanceof Error ? e.message : String(e) });
    }
  });
  return problems;
}

/** Checks a list of unwire targets without touching anything. */
export function validateTargets(targets: readonly UnwireTarget[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  targets.forEach((t, index) => {
    try {
      if (!t || typeof t !== 'object' || typeof t.guest !== 'string' || t.guest === '') throw new InputError('no guest given');
      if (t.ifname !== undefined) checkIfname(t.ifname, 'guest interface name (ifname)');
    } catch (e) {
      problems.push({ index, message: e instanceof Error ? e.message : String(e) });
    }
  });
  return problems;
}
