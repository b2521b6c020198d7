// The bulk engine's vocabulary: what wireMany / unwireMany take and return, and the per-guest jobs
// the phases pass along.
import type { Guest } from '../../guest/resolve.js';
import type { NetlinkSocket } from '../../netlink/session.js';
import type { Link } from '../../ops/link.js';
import type { Route } from '../../ops/route.js';
import type { UnwireTarget } from '../bulk-validate.js';
import type { UnwireResult, WireResult } from '../pipework.js';
import type { GuestOp } from '../guest-config.js';
import type { StepHooks } from '../plan.js';
import type { NormalizedSpec, WiringSpec } from '../spec.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** The phases of the fast path at which a test hook may fail a guest. */
export type BulkPhase = 'link' | 'guest' | 'announce';

export type BulkStage = 'validate' | 'resolve' | 'sockets' | 'links' | 'existing' | 'guests' | 'announce' | 'fallback' | 'rollback' | 'close' | 'done';

export interface BulkProgress {
  stage: BulkStage;
  /** guests through this stage so far (of the wave being worked on, for the per-guest stages) */
  done: number;
  total: number;
  /** guests failed so far, over the whole call */
  failed: number;
}

export interface BulkOptions {
  /** called as the work advances (a few times per stage); must not throw */
  onProgress?(progress: BulkProgress): void;
  /**
   * Guests worked on at once (each holds three file descriptors until the end of its wave).
   * Default 4096; lowered to fit the process's open-file limit.
   */
  concurrency?: number;
  /** guest lookups in flight at once (Docker API calls); default 16 */
  resolveConcurrency?: number;
}

export interface WireManyOptions extends BulkOptions {
  /** plan only: every guest is inspected and its plan returned; nothing changes */
  dryRun?: boolean;
  /**
   * Called for each guest on the fast path before each of its phases; throwing fails that guest
   * there (it is rolled back like any other failure). For tests.
   */
  beforePhase?(index: number, phase: BulkPhase): void;
  /** throw DuplicateGuestError, changing nothing, when two entries name one guest interface in different words (default: fail the later one) */
  refuseAliases?: boolean;
  /**
   * Called before each step of a guest planned by its driver; throwing fails that guest there (its
   * plan rolled back). Given, every guest is planned by its driver, so that each step is seen. For tests.
   */
  beforeStep?: StepHooks['beforeStep'];
}

export type WireStatus = 'wired' | 'unchanged' | 'failed' | 'planned';

export interface WireManyItem {
  /** position in the list given */
  index: number;
  /** the guest as given */
  guest: string;
  status: WireStatus;
  result?: WireResult;
  error?: Error;
  /** for a failure: the stage it happened in */
  stage?: BulkStage;
  /** rollback steps that failed too (the kernel may hold leftovers of this guest) */
  undoFailures?: string[];
}

/** Milliseconds spent per stage (summed over waves). */
export type BulkTimings = Record<Exclude<BulkStage, 'done'>, number> & { total: number };

export interface WireManyResult {
  total: number;
  /** changed something */
  wired: number;
  /** already wired as asked: untouched */
  unchanged: number;
  failed: number;
  /** dry run: guests whose plan was made */
  planned: number;
  /** guests planned by their driver (non-bridge host interfaces, VLANs, DHCP, dry runs, what is in a veth's way...) */
  fallback: number;
  items: WireManyItem[];
  timings: BulkTimings;
}

export type UnwireStatus = 'removed' | 'absent' | 'failed';

export interface UnwireManyItem {
  index: number;
  guest: string;
  status: UnwireStatus;
  result?: UnwireResult;
  error?: Error;
  stage?: BulkStage;
}

export interface UnwireManyResult {
  total: number;
  removed: number;
  /** nothing to remove (the guest or its interface is gone) */
  absent: number;
  failed: number;
  items: UnwireManyItem[];
  timings: BulkTimings;
}

export type Fail<J> = (job: J, stage: BulkStage, e: unknown, undoFailures?: string[]) => void;
export type Progress = (stage: BulkStage, done: number, total: number) => void;

export interface BridgeState {
  link?: Link;
  /** created by this call (removed again if every guest on it failed) */
  created?: boolean;
  /** why guests on it cannot take the fast path: undefined = they can */
  slow?: boolean;
  error?: Error;
  used?: boolean;
  /** its creation is in some guest's steps already */
  shown?: boolean;
}

export interface WireJob {
  index: number;
  spec: WiringSpec;
  req?: NormalizedSpec;
  ifname: string;
  guest?: Guest;
  sock?: NetlinkSocket;
  packetFd: number;
  /** planned by its driver (the planned phase) */
  slow: boolean;
  lif?: string;
  label?: string;
  notes: string[];
  steps: string[];
  bridge?: BridgeState;
  hostIndex: number;
  guestIndex: number;
  mac?: Uint8Array;
  /** the default routes this wiring replaced, to put back on rollback */
  replaced: Route[];
  /** the addresses and gateways as text, made once */
  addressTexts: string[];
  gatewayTexts: string[];
  /** created a link: a failure from here on must be undone */
  created: boolean;
  /** its host-side name was taken: a re-run or a half-made wiring, compared with the kernel */
  existing?: boolean;
  /** a half-made wiring: the guest-side operations still missing */
  ops?: GuestOp[];
  rolledBack?: boolean;
  item?: WireManyItem;
}

export interface UnwireJob {
  unwire: true;
  index: number;
  spec: UnwireTarget;
  ifname: string;
  guest?: Guest;
  sock?: NetlinkSocket;
  link?: Link;
  hostEnd?: Link;
  item?: UnwireManyItem;
}
