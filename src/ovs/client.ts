// A connection to ovsdb-server (RFC 7047 over its unix socket): transactions, and waiting for
// ovs-vswitchd to apply what a transaction changed. The Open_vSwitch operations are in vswitch.ts.
//
// OVSDB facts relied on (RFC 7047, vswitch.ovsschema):
//  - Bridge, Port and Interface are not root tables: a row no longer referenced (Open_vSwitch.bridges ->
//    Bridge.ports -> Port.interfaces) is deleted when the transaction commits. So deleting a port is
//    removing its uuid from Bridge.ports, deleting a bridge is removing it from Open_vSwitch.bridges.
//  - Bridge, Port and Interface names are unique indexes: two clients creating the same name race, and
//    the loser's transaction fails with "constraint violation".
//  - A "wait" operation with timeout 0 makes the whole transaction fail ("timed out") unless its
//    condition holds when the transaction runs: that is how a transaction asserts preconditions.
//  - ovs-vswitchd copies Open_vSwitch.next_cfg to cur_cfg once it has applied the database: bumping
//    next_cfg in a transaction and waiting for cur_cfg to reach it is how a client knows its change is live.
import { JsonRpcClient, JsonRpcError, type JsonRpcClientOptions } from './jsonrpc.js';
import { NotAppliedError, OvsdbError, type Operation, type OperationResult } from './protocol.js';
import { DEFAULT_OVSDB_SOCKET } from './remote.js';
import { sleep } from '../util/sleep.js';

export const OPEN_VSWITCH_DB = 'Open_vSwitch';

export interface OvsdbClientOptions {
  /** ovsdb-server's unix socket (default /var/run/openvswitch/db.sock) */
  socket?: string;
  /** the database (default Open_vSwitch) */
  database?: string;
  /** time to wait for each answer, ms (default 10 s) */
  timeoutMs?: number;
  /**
   * After a change, wait until ovs-vswitchd has applied it (Open_vSwitch.cur_cfg reaches next_cfg),
   * like ovs-vsctl without --no-wait. Default true.
   */
  waitApplied?: boolean;
  /** how long to wait for ovs-vswitchd, ms (default 10 s) */
  applyTimeoutMs?: number;
}

/** Per-call override of waitApplied. */
export interface ApplyOptions {
  waitApplied?: boolean;
}


/** Connects to ovsdb-server's socket; what OvsdbConnection's constructor takes. */
export async function connectOvsdb(opts: OvsdbClientOptions = {}): Promise<{ rpc: JsonRpcClient; socket: string }> {
  const socket = opts.socket ?? DEFAULT_OVSDB_SOCKET;
  const rpcOpts: JsonRpcClientOptions = { timeoutMs: opts.timeoutMs ?? 10_000, label: `ovsdb unix:${socket}` };
  return { rpc: await JsonRpcClient.connect(socket, rpcOpts), socket };
}

export class OvsdbConnection {
  readonly socket: string;
  readonly database: string;
  protected readonly rpc: JsonRpcClient;
  private readonly waitApplied: boolean;
  private readonly applyTimeoutMs: number;
  private probe?: Promise<boolean>;

  protected constructor(rpc: JsonRpcClient, socket: string, opts: OvsdbClientOptions) {
    this.rpc = rpc;
    this.socket = socket;
    this.database = opts.database ?? OPEN_VSWITCH_DB;
    this.waitApplied = opts.waitApplied ?? true;
    this.applyTimeoutMs = opts.applyTimeoutMs ?? 10_000;
  }

  /** The JSON-RPC connection underneath (for events such as 'echo' and 'close'). */
  get connection(): JsonRpcClient {
    return this.rpc;
  }

  close(): void {
    this.rpc.close();
  }

  /** list_dbs: the databases the server holds. */
  async listDbs(): Promise<string[]> {
    return (await this.rpc.request('list_dbs', [])) as string[];
  }

  /**
   * Runs one transaction (all operations commit or none). Resolves with one result per operation;
   * rejects with OvsdbError naming the failed operation, or with a connection error.
   */
  async transact(ops: Operation[], context = 'transaction'): Promise<OperationResult[]> {
    let raw: unknown;
    try {
      raw = await this.rpc.request('transact', [this.database, ...ops]);
    } catch (e) {
      if (e instanceof JsonRpcError) {
        const err = e.error as { error?: string; details?: string } | string;
        const text = typeof err === 'string' ? err : (err?.error ?? JSON.stringify(err));
        throw new OvsdbError(`${this.rpc.label}: ${context}`, text, typeof err === 'object' ? err?.details : undefined);
      }
      throw e;
    }
    if (!Array.isArray(raw)) throw new OvsdbError(`${this.rpc.label}: ${context}`, 'malformed reply', JSON.stringify(raw));
    // RFC 7047 4.1.3: one result per operation, the first error (if any) in the failed operation's
    // place; an extra trailing element for an error at commit time (e.g. a constraint violation).
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i] as { error?: string; details?: string } | null;
      if (r && typeof r.error === 'string') {
        throw new OvsdbError(`${this.rpc.label}: ${context}`, r.error, r.details, i < ops.length ? i : undefined, ops[i]);
      }
    }
    return raw.slice(0, ops.length) as OperationResult[];
  }

  // ---- waiting for ovs-vswitchd --------------------------------------------------------------

  /**
   * Runs the transaction; when waiting is on, also bumps Open_vSwitch.next_cfg in it and then waits
   * until ovs-vswitchd reports (cur_cfg) that it has applied that configuration.
   */
  protected async transactApplied(ops: Operation[], context: string, opts: ApplyOptions): Promise<OperationResult[]> {
    const wait = opts.waitApplied ?? this.waitApplied;
    if (!wait) return this.transact(ops, context);
    const all: Operation[] = [
      ...ops,
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 1]] },
      { op: 'select', table: 'Open_vSwitch', where: [], columns: ['next_cfg'] },
    ];
    const results = await this.transact(all, context);
    const next = Number(results[results.length - 1].rows?.[0]?.next_cfg);
    if (Number.isFinite(next)) await this.waitForCfg(next, context);
    return results.slice(0, ops.length);
  }

  /**
   * Waits until Open_vSwitch.cur_cfg >= cfg (ovs-vswitchd has applied the database up to cfg).
   * Rejects with NotAppliedError at once if no ovs-vswitchd serves the database, else after the
   * apply timeout.
   */
  async waitForCfg(cfg: number, context = 'waiting for ovs-vswitchd'): Promise<void> {
    const deadline = Date.now() + this.applyTimeoutMs;
    let delay = 5;
    for (let first = true; ; first = false) {
      const [r] = await this.transact([{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['cur_cfg'] }], context);
      const cur = Number(r.rows?.[0]?.cur_cfg ?? 0);
      if (cur >= cfg) return;
      if (first && !(await this.vswitchdRunning())) {
        throw new NotAppliedError(`${this.rpc.label}: ${context}`, 'ovs-vswitchd is not running (nobody holds its lock on this database); the change is in the database');
      }
      if (Date.now() >= deadline) {
        throw new NotAppliedError(
          `${this.rpc.label}: ${context}`,
          `ovs-vswitchd has not applied configuration ${cfg} within ${this.applyTimeoutMs} ms (cur_cfg is ${cur}); the change is in the database: is ovs-vswitchd running?`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }

  /**
   * Whether an ovs-vswitchd serves this database: while it runs it holds the lock named
   * "ovs_vswitchd" (RFC 7047 section 4.1.8; it refuses to run as a second instance without it).
   * Asked by requesting that lock and giving it back at once: granted means nobody held it.
   */
  vswitchdRunning(): Promise<boolean> {
    // One probe at a time on a connection (the server refuses a second "lock" before the "unlock"):
    // callers at the same moment share it.
    this.probe ??= (async () => {
      try {
        const r = (await this.rpc.request('lock', [VSWITCHD_LOCK])) as { locked?: unknown } | null;
        await this.rpc.request('unlock', [VSWITCHD_LOCK]);
        return r?.locked !== true;
      } finally {
        this.probe = undefined;
      }
    })();
    return this.probe;
  }
}

const VSWITCHD_LOCK = 'ovs_vswitchd';

