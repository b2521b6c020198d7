// Many wirings at once, at close to the kernel's own cost. The same spec objects as wire(), but
// the work is grouped by phase across guests instead of done guest by guest:
//
//   resolve    every guest word -> a namespace handle (Docker lookups a bounded number at a time),
//              all before anything changes: a guest named twice in different words is caught here
//   links      every veth pair, on the host socket, in as few sendmsg() calls as the kernel allows;
//              NLM_F_ECHO makes each creation answer with the host end's ifindex and its peer's
//              (the guest end's) ifindex: no lookups afterwards
//   sockets    per guest, once: one netlink and one packet socket opened inside its namespace (the
//              fd table was grown beforehand, in one step, on a worker thread)
//   guests     per guest, one sendmsg() on its own socket: the guest side as guest-config.ts
//              describes it (up, addresses, routes; the one-guest plan reads the same description)
//   announce   per guest, the gratuitous ARP / unsolicited NA frames on its packet socket, which is
//              then closed on a native thread of its own (a close waits for an RCU grace period)
//   planned    the guests the phases above do not take (a name that exists: a re-run or a half-made
//              wiring; a host interface that is not a Linux bridge; VLANs, DHCP and the other
//              options) are planned by their driver, on the guest already resolved, 16 at once, so
//              that a DHCP exchange holds no other guest up
//   close      netlink sockets closed; the packet sockets' closing threads reaped
//
// No dumps on the batched phases. A guest that fails is rolled back alone (its veth deleted, a
// default route it replaced put back) and reported; the others stay wired.
//
// The engine lives in engine/: types, machinery (shared by the phases), links (host side), guests
// (guest setup and announcements), wire-many, unwire-many. This module is its front door.
export * from './engine/types.js';
export { DuplicateGuestError, wireMany } from './engine/wire-many.js';
export { unwireMany } from './engine/unwire-many.js';

// Validation (no kernel, no Docker) lives in bulk-validate.ts, light enough for the CLI to load
// before it knows whether it will wire anything.
export { type SpecProblem, type UnwireTarget, validateSpecs, validateTargets } from './bulk-validate.js';
