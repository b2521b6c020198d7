// Host-side interface names. pipework names the host end v<ifname>pl<pid> and never checked the
// kernel's 15-character limit (its issue #58): we keep its names when they fit and otherwise use a
// short name derived from the guest and interface, so that a re-run finds the same name again.
import { ConflictError } from '../util/errors.js';
import { hexDigest } from '../util/hash.js';
import { checkIfname, validIfname } from './spec.js';

export interface HostName {
  name: string;
  /** set when pipework's name would not fit and a short one was made up */
  shortened?: string;
}

export function hostEndName(ifname: string, guestKey: string, pidOrKey: string, local?: string): HostName {
  if (local !== undefined) return { name: checkIfname(local, 'host interface name (-l)', 'choose a name of at most 15 characters') };
  const classic = `v${ifname}pl${pidOrKey}`;
  if (!validIfname(classic)) return { name: classic };
  const digest = hexDigest('sha256', `${guestKey}/${ifname}`).slice(0, 11);
  return { name: `vpw${digest}`, shortened: classic };
}

/** The host-side name a wiring needs is held by another veth that is up (a wiring's, maybe the one being replaced). */
export class HostNameTakenError extends ConflictError {
  constructor(
    readonly ifname: string,
    problem: string,
    hint: string,
  ) {
    super(problem, hint);
    this.name = 'HostNameTakenError';
  }
}
