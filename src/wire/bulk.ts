// Many wirings at once, at close to the kernel's own cost. The same spec objects as wire(), but
// the work is grouped by phase across guests instead of done guest by guest:
//
//   resolve    every guest word -> a namespace handle (Docker lookups a bounded number at a time)
//   links      every veth pair, on the host socket, in as few sendmsg() calls as the kernel allows;
//              NLM_F_ECHO makes each creation answer with the host end's ifindex and its peer's
//              (the guest end's) ifindex: no lookups afterwards
//   sockets    per guest, once: one netlink and one packet socket opened inside its namespace (the
//              fd table was grown beforehand, in one step, on a worker thread)
//   guests     per guest, one sendmsg() on its own socket: link up, addresses, routes (and a get
//              of the link when its MAC was left to the kernel)
//   announce   per guest, the gratuitous ARP / unsolicited NA frames on its packet socket, which is
//              then closed on a native thread of its own (a close waits for an RCU grace period)
//   close      netlink sockets closed; the packet sockets' closing threads reaped
//
// No dumps on that path. Anything unusual takes the ordinary one-guest path (Pipework.wire) with
// its full inspection: a name that already exists (a re-run: "already wired as asked" is counted,
// not redone), a host interface that is not a Linux bridge, VLANs, and the other driver options.
// A guest that fails is rolled back alone (its veth deleted, a default route it replaced put
//
// The engine lives in engine/: types, machinery (shared by the phases), links (host side), guests
// (guest setup and announcements), wire-many, unwire-many. This module is its front door.
export * from './engine/types.js';
export { DuplicateGuestError, wireMany } from './engine/wire-many.js';
export { unwireMany } from './engine/unwire-many.js';

// Validation (no kernel, no Docker) lives in bulk-validate.ts, light enough for the CLI to load
// before it knows whether it will wire anything.
export { type SpecProblem, type UnwireTarget, validateSpecs, validateTargets } from './bulk-validate.js';
