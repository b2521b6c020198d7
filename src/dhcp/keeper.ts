// Keep mode (pipework's `dhcp-f`, `udhcpc-f`, `--keep`): the rest of a lease's life, RENEW at T1,
// REBIND at T2, a NAK or an expiry starts over, stop() releases; and holding a keeper in the
// foreground of a process until a signal stops it.
import { EventEmitter } from 'node:events';
import { ConflictError } from '../util/errors.js';
import { ClientCore, type Reply } from './exchange.js';
import { type Lease, leaseTimes } from './lease.js';
import { pruneLeaseRecords, runBase } from './record.js';
import { sendRelease } from './release.js';
import { keeperAlive, processStartTime, readKeeper, registerLocalKeeper, removeEmptyDirs, removeKeeperFiles, removeLeaseFile, writeKeeperFiles } from './rundir.js';
import type { DhcpClientOptions } from './schedule.js';

export type KeeperState = 'idle' | 'init' | 'bound' | 'renewing' | 'rebinding' | 'stopping' | 'stopped';

export interface DhcpKeeperOptions extends DhcpClientOptions {
  /** stop (and release) when this process is gone: the container's PID, for instance */
  watchPid?: number;
  /** how often watchPid and the interface are checked, ms (default 5 s) */
  checkIntervalMs?: number;
  /** after failing to get a new lease (NAK, expiry), wait this long before trying again, ms (default 10 s) */
  retryDelayMs?: number;
}

/**
 * Keep mode: obtains a lease, then keeps it for as long as it runs. Events:
 *  - 'bound' (lease): a lease was obtained and applied (first time, after a NAK or an expiry)
 *  - 'renewed' (lease): a renewal or rebinding was acknowledged (applied if anything changed)
 *  - 'rebinding' (lease): T2 passed without an answer from the leasing server
 *  - 'nak' (text | undefined): the server refused a renewal; the address was removed, restarting
 *  - 'expired' (lease): the lease ran out; the address and routes were removed, restarting
 *  - 'released' (lease): stop() released the lease and removed the address
 *  - 'warning' (Error): something failed and the keeper goes on (e.g. no new lease yet)
 *  - 'log' (text): progress, for a verbose CLI
 *  - 'stopped': the keeper is finished; its sockets are closed and its run files removed
 */
export class DhcpKeeper extends EventEmitter {
  private readonly core: ClientCore;
  private readonly opts: DhcpKeeperOptions;
  private _state: KeeperState = 'idle';
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private starting: Promise<Lease> | undefined;
  private unregister: (() => void) | undefined;
  private readonly pidStart: string | undefined;
  private readonly done: Promise<void>;
  private markDone: () => void = () => {};

  constructor(opts: DhcpKeeperOptions) {
    super();
    this.opts = opts;
    const userLog = opts.log;
    this.core = new ClientCore({
      ...opts,
      log: (m) => {
        userLog?.(m);
        this.emit('log', m);
      },
    });
    this.pidStart = opts.watchPid !== undefined ? processStartTime(opts.watchPid) : undefined;
    this.done = new Promise<void>((resolve) => (this.markDone = resolve));
  }

  /** The one way into 'stopped': finished() resolves with it. */
  private setStopped(): void {
    this._state = 'stopped';
    this.markDone();
  }

  get state(): KeeperState {
    return this._state;
  }

  get lease(): Lease | undefined {
    return this.core.lease;
  }

  /**
   * Obtains and applies the first lease (bounded by timeoutMs; throws DhcpTimeoutError with the
   * interface left clean), records the run directory, then keeps the lease in the background.
   */
  start(): Promise<Lease> {
    if (this._state !== 'idle') return Promise.reject(new Error(`DhcpKeeper.start() called in state ${this._state}`));
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<Lease> {
    this._state = 'init';
    const core = this.core;
    if (this.opts.runDir) {
      pruneLeaseRecords(runBase(this.opts.runDir));
      const other = readKeeper(this.opts.runDir);
      if (other && other.pid !== process.pid && keeperAlive(other)) {
        this.setStopped();
        throw new ConflictError(
          `a DHCP client (pid ${other.pid}) already keeps the lease of ${this.opts.ifname} ${this.core.where}`,
          `stop it first (pipework del, or kill ${other.pid})`,
        );
      }
    }
    try {
      core.prepare();
      if (this.opts.runDir) {
        writeKeeperFiles(this.opts.runDir, { ifname: this.opts.ifname, guest: this.opts.guestLabel ?? this.opts.netns.label });
        this.unregister = registerLocalKeeper(this.opts.runDir, () => this.stop());
      }
      const deadline = Date.now() + core.timeout;
      await core.waitRunning(deadline);
      const lease = await core.acquire(deadline, core.requestHint());
      void core.closePacket();
      core.install(lease);
    } catch (e) {
      core.uninstall();
      await core.close();
      if (this.opts.runDir) {
        removeKeeperFiles(this.opts.runDir);
        removeEmptyDirs(this.opts.runDir);
      }
      this.unregister?.();
      this.setStopped();
      throw e;
    }
    this._state = 'bound';
    this.emit('bound', core.lease);
    this.loopDone = this.loop().catch((e) => {
      this.emit('warning', e instanceof Error ? e : new Error(String(e)));
      // a keeper that can no longer keep its lease gives it back rather than linger
      void this.stop();
    });
    return core.lease!;
  }

  /**
   * Resolves when the keeper has stopped: after stop() (its release done), when the guest went
   * away, or when start() failed. It may be called before start(): it still waits for the end
   * (a caller that closes the keeper's namespace handle then relies on it).
   */
  finished(): Promise<void> {
    return this.done;
  }

  /** Sleeps until `at` (wall clock), stop(), or a failed guest check; false when woken early. */
  private async sleepUntil(at: number): Promise<boolean> {
    const check = this.opts.checkIntervalMs ?? 5000;
    while (!this.core.stopped) {
      const left = at - Date.now();
      if (left <= 0) return true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, check, 2 ** 31 - 1));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
      if (!this.core.stopped && !this.guestAlive()) {
        this.emit('log', `the guest or its interface ${this.opts.ifname} is gone; stopping`);
        void this.stop();
        return false;
      }
    }
    return false;
  }

  private guestAlive(): boolean {
    if (this.opts.watchPid !== undefined) {
      const now = processStartTime(this.opts.watchPid);
      if (now === undefined || (this.pidStart !== undefined && now !== this.pidStart)) return false;
    }
    return this.core.linkExists();
  }

  private async loop(): Promise<void> {
    const core = this.core;
    while (!core.stopped) {
      if (!core.lease) {
        this._state = 'init';
        try {
          const lease = await core.acquire(Date.now() + core.timeout);
          void core.closePacket();
          core.install(lease);
          this._state = 'bound';
          this.emit('bound', lease);
        } catch (e) {
          void core.closePacket();
          if (core.stopped) break;
          this.emit('warning', e instanceof Error ? e : new Error(String(e)));
          if (!(await this.sleepUntil(Date.now() + (this.opts.retryDelayMs ?? 10_000)))) break;
        }
        continue;
      }
      const times = leaseTimes(core.lease);
      if (!times) {
        // an infinite lease: nothing to renew, only a stop to wait for
        await this.sleepUntil(Infinity);
        break;
      }
      if (!(await this.sleepUntil(times.renewAt))) break;
      let reply: Reply | undefined;
      if (Date.now() < times.rebindAt) {
        this._state = 'renewing';
        this.emit('log', `renewing ${core.lease.address} with ${core.lease.serverId}`);
        reply = await core.extend('renew', times.rebindAt);
      }
      if (!reply && !core.stopped && Date.now() < times.expiresAt) {
        this._state = 'rebinding';
        this.emit('rebinding', core.lease);
        reply = await core.extend('rebind', times.expiresAt);
      }
      void core.closePacket();
      if (core.stopped) break;
      if (reply?.kind === 'ack') {
        try {
          core.install(reply.lease);
          this._state = 'bound';
          this.emit('renewed', reply.lease);
        } catch (e) {
          this.emit('warning', e instanceof Error ? e : new Error(String(e)));
          core.uninstall();
        }
      } else if (reply?.kind === 'nak') {
        core.uninstall();
        this.emit('nak', reply.message);
      } else if (Date.now() >= times.expiresAt) {
        const old = core.lease;
        core.uninstall();
        this.emit('expired', old);
      }
    }
  }

  /**
   * Stops keeping the lease: sends a DHCPRELEASE to the server, removes the address and routes,
   * removes the run files and closes every socket. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const core = this.core;
    core.stopped = true;
    this._state = 'stopping';
    this.wake?.();
    await this.starting?.catch(() => undefined);
    await this.loopDone;
    const lease = core.lease;
    if (lease) {
      try {
        await sendRelease(core);
      } catch (e) {
        this.emit('warning', new Error(`sending DHCPRELEASE for ${lease.address}: ${(e as Error).message}`, { cause: e }));
      }
      core.uninstall();
      this.emit('released', lease);
    }
    await core.close();
    if (this.opts.runDir) {
      removeLeaseFile(this.opts.runDir);
      removeKeeperFiles(this.opts.runDir);
      removeEmptyDirs(this.opts.runDir);
    }
    this.unregister?.();
    this.setStopped();
    this.emit('stopped');
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Holds a keeper in the foreground of this process: SIGTERM, SIGINT and SIGHUP stop it (it
 * releases its lease); resolves once it has stopped. With `start`, the keeper is started here,
 * after the handlers are in place, and `onStarted` gets the first lease. The handlers are removed
 * when it returns. The one foreground keeper: the CLI's keep mode and runDhcpKeeper both use it.
 */
export async function holdKeeper(keeper: DhcpKeeper, start?: () => Promise<Lease>, onStarted?: (lease: Lease, keeper: DhcpKeeper) => void): Promise<void> {
  const onSignal = () => void keeper.stop();
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    if (start) onStarted?.(await start(), keeper);
    await keeper.finished();
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** Keep mode for a foreground process: starts a keeper and holds it (holdKeeper). */
export function runDhcpKeeper(opts: DhcpKeeperOptions, onStarted?: (lease: Lease, keeper: DhcpKeeper) => void): Promise<void> {
  const keeper = new DhcpKeeper(opts);
  return holdKeeper(keeper, () => keeper.start(), onStarted);
}
