// The library's public surface. Everything the CLI can do goes through these.
export { Pipework, normalize, type PipeworkOptions, type UnwireResult, type WireOptions, type WireResult } from './wire/pipework.js';
export { type AddressWithGateway, parseAddresses, resolveMac, type WiringSpec, DEFAULT_IFNAME } from './wire/spec.js';
export { applySteps, rollback, type Step, type StepHooks, StepFailedError } from './wire/plan.js';
export { resolveGuest, type Guest, type GuestKind, GuestNotFoundError } from './guest/resolve.js';
export { Netns } from './netns/netns.js';
export { inNetns } from './netns/enter.js';
export { NetlinkSocket, type Request, type Outcome } from './netlink/session.js';
export { KernelError, NetlinkDecodeError, isKernelError } from './netlink/errors.js';
export { InputError, ConflictError } from './util/errors.js';
export { announce } from './announce/announce.js';
export * as links from './ops/link.js';
export * as addresses from './ops/address.js';
export * as routes from './ops/route.js';
export {
  wireMany, unwireMany, validateSpecs, validateTargets, type BulkOptions, type BulkPhase, type BulkProgress, type BulkStage, type BulkTimings,
  type SpecProblem, type UnwireManyItem, type UnwireManyResult, type UnwireTarget, type WireManyItem, type WireManyOptions, type WireManyResult,
} from './wire/bulk.js';
export { watch, containerRef, containerStartOf, entriesForContainer, matchContainer, type MatchKind, type WatchedContainer, type WatchEvent, type WatchOptions, type WatchTrigger } from './wire/watch.js';
