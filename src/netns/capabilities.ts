// Least privilege, checked up front: a command that lacks a capability it will need fails at once,
// naming it, instead of half-way through with a bare EPERM (and a rollback). The effective set is
// read from /proc/self/status (CapEff), which is what the kernel checks.
import * as fs from 'node:fs';
import { InputError } from '../util/errors.js';

/** The capabilities pipework uses (linux/capability.h numbers) and what each is for. */
export const CAPABILITIES = {
  CAP_NET_ADMIN: { bit: 12, why: 'to change links, addresses, routes, rules and qdiscs' },
  CAP_NET_RAW: { bit: 13, why: 'for the packet sockets of gratuitous ARP, unsolicited NA and DHCP' },
  CAP_SYS_PTRACE: { bit: 19, why: "to open the namespaces of another user's processes" },
  CAP_SYS_ADMIN: { bit: 21, why: "to enter a guest's network namespace (setns)" },
} as const;

export type Capability = keyof typeof CAPABILITIES;

/** The effective capability set of this process; undefined when it cannot be read. */
export function effectiveCapabilities(status = '/proc/self/status'): bigint | undefined {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(status, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/** The capabilities of `needed` that the effective set lacks. */
export function missingCapabilities(needed: readonly Capability[], effective = effectiveCapabilities()): Capability[] {
  if (effective === undefined) return []; // cannot tell: the kernel will say
  return needed.filter((c) => !(effective & (1n << BigInt(CAPABILITIES[c].bit))));
}

/** Throws InputError naming every missing capability and what it is for. */
export function requireCapabilities(needed: readonly Capability[], what: string, effective = effectiveCapabilities()): void {
  const missing = missingCapabilities(needed, effective);
  if (missing.length === 0) return;
  const list = missing.map((c) => `${c} (${CAPABILITIES[c].why})`).join(', ');
  throw new InputError(
    `${what} needs ${list}, which this process does not have; nothing was changed`,
    'run it as root with that capability (not dropped by setpriv, capsh or a container runtime)',
  );
}
