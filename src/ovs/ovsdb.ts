// An Open vSwitch database client (RFC 7047 over the unix socket of ovsdb-server): transactions, and
// the few operations pipework needs on the Open_vSwitch schema (vswitch.ovsschema): bridges, and ports
// with their single interface, VLAN tag and external_ids. It never runs ovs-vsctl.
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
import { ConflictError, InputError } from '../util/errors.js';
import { JsonRpcClient, JsonRpcError, type JsonRpcClientOptions } from './jsonrpc.js';

export { DEFAULT_OVSDB_SOCKET, parseOvsdbRemote } from './remote.js';
import { DEFAULT_OVSDB_SOCKET } from './remote.js';
export const OPEN_VSWITCH_DB = 'Open_vSwitch';

// ---------------------------------------------------------------------------------------------
// Wire types (RFC 7047 section 5.1)

export type Uuid = ['uuid', string];
export type NamedUuid = ['named-uuid', string];
export type Atom = string | number | boolean | Uuid | NamedUuid;
export type OvsSet = ['set', Atom[]];
export type OvsMap = ['map', [Atom, Atom][]];
export type Value = Atom | OvsSet | OvsMap;
export type Row = Record<string, Value>;
export type Condition = [column: string, fn: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes', value: Value];
export type Mutation = [column: string, mutator: '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete', value: Value];

export type Operation =
  | { op: 'insert'; table: string; row: Row; 'uuid-name'?: string }
  | { op: 'select'; table: string; where: Condition[]; columns?: string[] }
  | { op: 'update'; table: string; where: Condition[]; row: Row }
  | { op: 'mutate'; table: string; where: Condition[]; mutations: Mutation[] }
  | { op: 'delete'; table: string; where: Condition[] }
  | { op: 'wait'; table: string; where: Condition[]; columns: string[]; until: '==' | '!='; rows: Row[]; timeout?: number }
  | { op: 'commit'; durable: boolean }
  | { op: 'abort' }
  | { op: 'comment'; comment: string }
  | { op: 'assert'; lock: string };

export interface OperationResult {
  uuid?: Uuid;
  rows?: Row[];
  count?: number;
}

/** A transaction failed: the operation that failed (when the server says which), and its error. */
export class OvsdbError extends Error {
  /** the OVSDB error string, e.g. "constraint violation", "timed out", "referential integrity violation" */
  readonly error: string;
  readonly details?: string;
  /** index of the failed operation in the transaction, when the error belongs to one */
  readonly opIndex?: number;
  readonly op?: Operation;
  constructor(context: string, error: string, details?: string, opIndex?: number, op?: Operation) {
    const where = op ? ` (operation ${opIndex}: ${op.op}${'table' in op ? ` ${op.table}` : ''})` : '';
    super(`${context}: ${error}${details ? `: ${details}` : ''}${where}`);
    this.name = 'OvsdbError';
    this.error = error;
    this.details = details;
    this.opIndex = opIndex;
    this.op = op;
  }
}

// ---------------------------------------------------------------------------------------------
// Value helpers (pure)

export const uuid = (u: string): Uuid => ['uuid', u];
export const namedUuid = (n: string): NamedUuid => ['named-uuid', n];
export const set = (atoms: Atom[]): OvsSet => ['set', atoms];
export const map = (m: Record<string, string>): OvsMap => ['map', Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];

/** The atoms of a set column as received: a set with one element may come as that bare atom. */
export function setAtoms(v: Value | undefined): Atom[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v[0] === 'set') return (v as OvsSet)[1];
  return [v as Atom];
}

/** A map column as a plain object (string keys and values, as every map in vswitch.ovsschema that we read). */
export function mapObject(v: Value | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (!Array.isArray(v) || v[0] !== 'map') throw new TypeError(`not an OVSDB map: ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, val] of (v as OvsMap)[1]) out[String(k)] = String(val);
  return out;
}

/** The uuid string of a ["uuid", ...] value. */
export function uuidOf(v: Value | undefined): string {
  if (Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string') return v[1];
  throw new TypeError(`not an OVSDB uuid: ${JSON.stringify(v)}`);
}

/** An optional (min 0, max 1) integer column: the integer, or undefined when the set is empty. */
export function optionalInteger(v: Value | undefined): number | undefined {
  const atoms = setAtoms(v);
  return atoms.length ? Number(atoms[0]) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The client

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

export interface PortInfo {
  uuid: string;
  name: string;
  /** the bridge whose ports hold this port, if any */
  bridge?: string;
  /** access VLAN (Port.tag), if set */
  tag?: number;
  externalIds: Record<string, string>;
  /** uuids of the port's Interface rows */
  interfaces: string[];
}

export interface BridgeInfo {
  uuid: string;
  name: string;
  datapathType: string;
  externalIds: Record<string, string>;
}

/** A port to add: one Port row with one Interface row of the same name. */
export interface PortSpec {
  name: string;
  /** access VLAN tag, 0..4095 */
  tag?: number;
  /** Port.external_ids, e.g. { 'pipework.interface': 'eth1' } */
  externalIds?: Record<string, string>;
  /** Interface.type: '' (a system device such as a veth, the default) or e.g. 'internal' */
  interfaceType?: string;
  /** Interface.external_ids */
  interfaceExternalIds?: Record<string, string>;
}

export interface AddPortsOptions extends ApplyOptions {
  /** a port of that name already on this bridge is not an error (it is left as it is) */
  mayExist?: boolean;
  /** create the bridge, in the same transaction, if it does not exist (otherwise that is an error) */
  createBridge?: boolean | Omit<EnsureBridgeOptions, 'waitApplied'>;
}

export type AddPortOptions = Omit<PortSpec, 'name'> & AddPortsOptions;

export interface AddedPort {
  name: string;
  uuid: string;
  /** false when mayExist found it already there */
  created: boolean;
}

export interface EnsureBridgeOptions extends ApplyOptions {
  /** Bridge.datapath_type: '' or 'system' (kernel), 'netdev' (userspace) */
  datapathType?: string;
  externalIds?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const nameIs = (name: string): Condition[] => [['name', '==', name]];

export class OvsdbClient {
  readonly socket: string;
  readonly database: string;
  private readonly rpc: JsonRpcClient;
  private readonly waitApplied: boolean;
  private readonly applyTimeoutMs: number;

  private constructor(rpc: JsonRpcClient, socket: string, opts: OvsdbClientOptions) {
    this.rpc = rpc;
    this.socket = socket;
    this.database = opts.database ?? OPEN_VSWITCH_DB;
    this.waitApplied = opts.waitApplied ?? true;
    this.applyTimeoutMs = opts.applyTimeoutMs ?? 10_000;
  }

  static async connect(opts: OvsdbClientOptions = {}): Promise<OvsdbClient> {
    const socket = opts.socket ?? DEFAULT_OVSDB_SOCKET;
    const rpcOpts: JsonRpcClientOptions = { timeoutMs: opts.timeoutMs ?? 10_000, label: `ovsdb unix:${socket}` };
    const rpc = await JsonRpcClient.connect(socket, rpcOpts);
    return new OvsdbClient(rpc, socket, opts);
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

  // ---- bridges ------------------------------------------------------------------------------

  async getBridge(name: string): Promise<BridgeInfo | undefined> {
    const [r] = await this.transact(
      [{ op: 'select', table: 'Bridge', where: nameIs(name), columns: ['_uuid', 'name', 'datapath_type', 'external_ids'] }],
      `looking up bridge ${name}`,
    );
    const row = r.rows?.[0];
    if (!row) return undefined;
    return {
      uuid: uuidOf(row._uuid),
      name: String(row.name),
      datapathType: String(row.datapath_type ?? ''),
      externalIds: mapObject(row.external_ids),
    };
  }

  async bridgeExists(name: string): Promise<boolean> {
    return (await this.getBridge(name)) !== undefined;
  }

  /** Names of all bridges, sorted. */
  async listBridges(): Promise<string[]> {
    const [r] = await this.transact([{ op: 'select', table: 'Bridge', where: [], columns: ['name'] }], 'listing bridges');
    return (r.rows ?? []).map((row) => String(row.name)).sort();
  }

  /**
   * Creates the bridge if it does not exist: the Bridge row with its internal Port and Interface of the
   * same name, added to Open_vSwitch.bridges, in one transaction. A bridge of that name created by
   * someone else meanwhile is taken as it is. Resolves with the bridge's uuid and whether it was created
   * here. An existing bridge is not changed (not even its datapath type).
   */
  async ensureBridge(name: string, opts: EnsureBridgeOptions = {}): Promise<{ uuid: string; created: boolean }> {
    const existing = await this.getBridge(name);
    if (existing) return { uuid: existing.uuid, created: false };

    const ops: Operation[] = [...this.createBridgeOps(name, opts), { op: 'comment', comment: `pipework: add bridge ${name}` }];
    let results: OperationResult[];
    try {
      results = await this.transactApplied(ops, `creating bridge ${name}`, opts);
    } catch (e) {
      if (e instanceof OvsdbError && e.opIndex === 0) {
        throw new OvsdbError(`${this.rpc.label}: creating bridge ${name}`, 'database not initialized', 'the Open_vSwitch table has no row (run ovs-vswitchd, or ovs-vsctl init)');
      }
      // Lost a race: the name was taken between our look-up and our commit.
      if (e instanceof OvsdbError && (e.opIndex === 1 || e.error === 'constraint violation')) {
        const now = await this.getBridge(name);
        if (now) {
          // The winner's change may not be live yet: wait for ovs-vswitchd as if it were ours.
          await this.transactApplied([{ op: 'comment', comment: `pipework: bridge ${name} exists` }], `creating bridge ${name}`, opts);
          return { uuid: now.uuid, created: false };
        }
      }
      throw e;
    }
    return { uuid: uuidOf(results[4].uuid), created: true };
  }

  /**
   * Deletes the bridge and, with it, its ports and interfaces (they are no longer referenced).
   * Resolves false if there was no such bridge.
   */
  async deleteBridge(name: string, opts: ApplyOptions = {}): Promise<boolean> {
    const bridge = await this.getBridge(name);
    if (!bridge) return false;
    await this.transactApplied(
      [
        { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'delete', set([uuid(bridge.uuid)])]] },
        { op: 'comment', comment: `pipework: delete bridge ${name}` },
      ],
      `deleting bridge ${name}`,
      opts,
    );
    return true;
  }

  // ---- ports --------------------------------------------------------------------------------

  /**
   * The ports of a bridge, sorted by name, without the bridge's own internal port (as ovs-vsctl
   * list-ports). Rejects if there is no such bridge.
   */
  async listPorts(bridge: string): Promise<PortInfo[]> {
    const [b, p] = await this.transact(
      [
        { op: 'select', table: 'Bridge', where: nameIs(bridge), columns: ['ports'] },
        { op: 'select', table: 'Port', where: [], columns: ['_uuid', 'name', 'tag', 'external_ids', 'interfaces'] },
      ],
      `listing the ports of bridge ${bridge}`,
    );
    const brow = b.rows?.[0];
    if (!brow) throw new OvsdbError(`${this.rpc.label}: listing the ports of bridge ${bridge}`, 'no such bridge');
    const mine = new Set(setAtoms(brow.ports).map((u) => uuidOf(u)));
    return (p.rows ?? [])
      .filter((row) => mine.has(uuidOf(row._uuid)) && row.name !== bridge)
      .map((row) => portInfo(row, bridge))
      .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }

  /** A port by name, with its tag, external_ids and the bridge it is on; undefined if there is none. */
  async getPort(name: string): Promise<PortInfo | undefined> {
    const [p, b] = await this.transact(
      [
        { op: 'select', table: 'Port', where: nameIs(name), columns: ['_uuid', 'name', 'tag', 'external_ids', 'interfaces'] },
        { op: 'select', table: 'Bridge', where: [], columns: ['name', 'ports'] },
      ],
      `looking up port ${name}`,
    );
    const row = p.rows?.[0];
    if (!row) return undefined;
    const u = uuidOf(row._uuid);
    const owner = (b.rows ?? []).find((br) => setAtoms(br.ports).some((x) => uuidOf(x) === u));
    return portInfo(row, owner ? String(owner.name) : undefined);
  }

  /**
   * Adds a port with one interface of the same name to the bridge, with its VLAN tag and external_ids,
   * in one transaction (see addPorts).
   */
  async addPort(bridge: string, portName: string, opts: AddPortOptions = {}): Promise<AddedPort> {
    const { mayExist, createBridge, waitApplied, ...spec } = opts;
    const [added] = await this.addPorts(bridge, [{ name: portName, ...spec }], { mayExist, createBridge, waitApplied });
    return added;
  }

  /**
   * Adds ports (each a Port with one Interface of the same name) to the bridge in one transaction,
   * and with createBridge the bridge too when it is missing: all or nothing. Rejects with ConflictError
   * when a port or interface of one of those names exists (unless mayExist and the port is on this
   * very bridge), with OvsdbError when the bridge does not exist and createBridge is not set, with
   * InputError for a bad tag or a name given twice. Resolves in the order of the specs.
   */
  async addPorts(bridge: string, specs: PortSpec[], opts: AddPortsOptions = {}): Promise<AddedPort[]> {
    const context = specs.length === 1 ? `adding port ${specs[0].name} to bridge ${bridge}` : `adding ports ${specs.map((p) => p.name).join(', ')} to bridge ${bridge}`;
    const seen = new Set<string>();
    for (const spec of specs) {
      if (!spec.name || spec.name.length > 255) throw new InputError(`invalid OVS port name ${JSON.stringify(spec.name)}`);
      if (seen.has(spec.name)) throw new InputError(`${context}: port ${spec.name} given twice`);
      seen.add(spec.name);
      if (spec.tag !== undefined && !(Number.isInteger(spec.tag) && spec.tag >= 0 && spec.tag <= 4095)) {
        throw new InputError(`invalid VLAN tag ${spec.tag} for OVS port ${spec.name}`, 'a tag is an integer from 0 to 4095');
      }
    }
    // Look, then commit with the look-up as preconditions; a precondition broken meanwhile (another
    // client was quicker) means looking again.
    for (let attempt = 1; ; attempt++) {
      const state = await this.lookUpForAdd(bridge, specs, context);
      const results: AddedPort[] = [];
      const toAdd: PortSpec[] = [];
      for (const spec of specs) {
        const port = state.ports.get(spec.name);
        if (port) {
          if (opts.mayExist && port.bridge === bridge) {
            results.push({ name: spec.name, uuid: port.uuid, created: false });
            continue;
          }
          const where = port.bridge ? `on bridge ${port.bridge}` : 'on no bridge';
          throw new ConflictError(`${context}: a port named ${spec.name} already exists ${where}`, `remove it first (pipework del, or ovs-vsctl del-port ${spec.name})`);
        }
        if (state.interfaces.has(spec.name)) {
          throw new ConflictError(`${context}: an interface named ${spec.name} already exists in the OVS database`);
        }
        results.push({ name: spec.name, uuid: '', created: true });
        toAdd.push(spec);
      }
      if (!state.bridgeExists && !opts.createBridge) throw new OvsdbError(`${this.rpc.label}: ${context}`, 'no such bridge', bridge);
      if (!toAdd.length && state.bridgeExists) return results;

      const ops: Operation[] = [];
      const portRefs: NamedUuid[] = [];
      const portOpIndex = new Map<string, number>();
      for (const [i, spec] of toAdd.entries()) {
        ops.push({ op: 'wait', table: 'Port', where: nameIs(spec.name), columns: ['name'], until: '==', rows: [], timeout: 0 });
        ops.push({ op: 'wait', table: 'Interface', where: nameIs(spec.name), columns: ['name'], until: '==', rows: [], timeout: 0 });
        const iface: Row = { name: spec.name };
        if (spec.interfaceType !== undefined) iface.type = spec.interfaceType;
        if (spec.interfaceExternalIds) iface.external_ids = map(spec.interfaceExternalIds);
        const port: Row = { name: spec.name, interfaces: namedUuid(`iface${i}`) };
        if (spec.tag !== undefined) port.tag = spec.tag;
        if (spec.externalIds) port.external_ids = map(spec.externalIds);
        ops.push({ op: 'insert', table: 'Interface', row: iface, 'uuid-name': `iface${i}` });
        portOpIndex.set(spec.name, ops.length);
        ops.push({ op: 'insert', table: 'Port', row: port, 'uuid-name': `port${i}` });
        portRefs.push(namedUuid(`port${i}`));
      }
      // In front: the bridge must still exist, or the operations creating it (with the new ports).
      let front: Operation[];
      if (state.bridgeExists) {
        front = [{ op: 'wait', table: 'Bridge', where: nameIs(bridge), columns: ['name'], until: '!=', rows: [], timeout: 0 }];
        ops.push({ op: 'mutate', table: 'Bridge', where: nameIs(bridge), mutations: [['ports', 'insert', set(portRefs)]] });
      } else {
        front = this.createBridgeOps(bridge, typeof opts.createBridge === 'object' ? opts.createBridge : {}, portRefs);
      }
      ops.unshift(...front);
      ops.push({ op: 'comment', comment: `pipework: ${context}` });
      let committed: OperationResult[];
      try {
        committed = await this.transactApplied(ops, context, opts);
      } catch (e) {
        if (e instanceof OvsdbError && e.opIndex === 0 && !state.bridgeExists) {
          throw new OvsdbError(`${this.rpc.label}: ${context}`, 'database not initialized', 'the Open_vSwitch table has no row (run ovs-vswitchd, or ovs-vsctl init)');
        }
        if (e instanceof OvsdbError && attempt < 3 && (e.error === 'timed out' || e.error === 'constraint violation')) continue;
        throw e;
      }
      for (const r of results) {
        const at = portOpIndex.get(r.name);
        if (r.created && at !== undefined) r.uuid = uuidOf(committed[at + front.length].uuid);
      }
      return results;
    }
  }

  private async lookUpForAdd(bridge: string, specs: PortSpec[], context: string) {
    const ops: Operation[] = [{ op: 'select', table: 'Bridge', where: [], columns: ['name', 'ports'] }];
    for (const spec of specs) {
      ops.push({ op: 'select', table: 'Port', where: nameIs(spec.name), columns: ['_uuid', 'name'] });
      ops.push({ op: 'select', table: 'Interface', where: nameIs(spec.name), columns: ['name'] });
    }
    const res = await this.transact(ops, context);
    const bridges = res[0].rows ?? [];
    const ports = new Map<string, { uuid: string; bridge?: string }>();
    const interfaces = new Set<string>();
    specs.forEach((spec, i) => {
      const port = res[1 + 2 * i].rows?.[0];
      if (port) {
        const u = uuidOf(port._uuid);
        const owner = bridges.find((b) => setAtoms(b.ports).some((x) => uuidOf(x) === u));
        ports.set(spec.name, { uuid: u, bridge: owner ? String(owner.name) : undefined });
      }
      if (res[2 + 2 * i].rows?.length) interfaces.add(spec.name);
    });
    return { bridgeExists: bridges.some((b) => b.name === bridge), ports, interfaces };
  }

  /**
   * Operations creating a bridge with its internal port and interface (named like the bridge), extra
   * ports already in its port set, added to Open_vSwitch.bridges; preconditions first: the database
   * is initialized (operation 0) and the name is free (operation 1). The Bridge insert is operation 4.
   */
  private createBridgeOps(name: string, opts: Omit<EnsureBridgeOptions, 'waitApplied'>, extraPorts: NamedUuid[] = []): Operation[] {
    const bridgeRow: Row = { name, ports: set([namedUuid('brport'), ...extraPorts]) };
    if (opts.datapathType !== undefined) bridgeRow.datapath_type = opts.datapathType;
    if (opts.externalIds) bridgeRow.external_ids = map(opts.externalIds);
    return [
      { op: 'wait', table: 'Open_vSwitch', where: [], columns: ['_uuid'], until: '!=', rows: [], timeout: 0 },
      { op: 'wait', table: 'Bridge', where: nameIs(name), columns: ['name'], until: '==', rows: [], timeout: 0 },
      { op: 'insert', table: 'Interface', row: { name, type: 'internal' }, 'uuid-name': 'briface' },
      { op: 'insert', table: 'Port', row: { name, interfaces: namedUuid('briface') }, 'uuid-name': 'brport' },
      { op: 'insert', table: 'Bridge', row: bridgeRow, 'uuid-name': 'bridge' },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', set([namedUuid('bridge')])]] },
    ];
  }

  /**
   * Removes the port (and its interface) from the bridge. Resolves false if there was no such port or
   * no such bridge; rejects with ConflictError if the port is on another bridge.
   */
  async deletePort(bridge: string, portName: string, opts: ApplyOptions = {}): Promise<boolean> {
    const [deleted] = await this.deletePorts(bridge, [portName], opts);
    return deleted;
  }

  /**
   * Removes ports (and their interfaces) from the bridge in one transaction. For each name: true if it
   * was removed, false if there was no such port (or no such bridge). Rejects with ConflictError, and
   * removes nothing, if one of them is on another bridge.
   */
  async deletePorts(bridge: string, portNames: string[], opts: ApplyOptions = {}): Promise<boolean[]> {
    const context = portNames.length === 1 ? `deleting port ${portNames[0]} from bridge ${bridge}` : `deleting ports ${portNames.join(', ')} from bridge ${bridge}`;
    const ops: Operation[] = [{ op: 'select', table: 'Bridge', where: [], columns: ['name', 'ports'] }];
    for (const name of portNames) ops.push({ op: 'select', table: 'Port', where: nameIs(name), columns: ['_uuid'] });
    const res = await this.transact(ops, context);
    const bridges = res[0].rows ?? [];
    const mine = bridges.find((b) => b.name === bridge);
    const mineSet = new Set(mine ? setAtoms(mine.ports).map((u) => uuidOf(u)) : []);
    const doomed: Uuid[] = [];
    const out = portNames.map((name, i) => {
      const row = res[1 + i].rows?.[0];
      if (!row) return false;
      const u = uuidOf(row._uuid);
      if (mineSet.has(u)) {
        doomed.push(uuid(u));
        return true;
      }
      const owner = bridges.find((b) => setAtoms(b.ports).some((x) => uuidOf(x) === u));
      if (owner) throw new ConflictError(`${context}: port ${name} is on bridge ${String(owner.name)}`);
      return false;
    });
    if (!doomed.length) return out;
    await this.transactApplied(
      [
        { op: 'mutate', table: 'Bridge', where: nameIs(bridge), mutations: [['ports', 'delete', set(doomed)]] },
        { op: 'comment', comment: `pipework: ${context}` },
      ],
      context,
      opts,
    );
    return out;
  }

  // ---- waiting for ovs-vswitchd --------------------------------------------------------------

  /**
   * Runs the transaction; when waiting is on, also bumps Open_vSwitch.next_cfg in it and then waits
   * until ovs-vswitchd reports (cur_cfg) that it has applied that configuration.
   */
  private async transactApplied(ops: Operation[], context: string, opts: ApplyOptions): Promise<OperationResult[]> {
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

  /** Waits until Open_vSwitch.cur_cfg >= cfg (ovs-vswitchd has applied the database up to cfg). */
  async waitForCfg(cfg: number, context = 'waiting for ovs-vswitchd'): Promise<void> {
    const deadline = Date.now() + this.applyTimeoutMs;
    let delay = 5;
    for (;;) {
      const [r] = await this.transact([{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['cur_cfg'] }], context);
      const cur = Number(r.rows?.[0]?.cur_cfg ?? 0);
      if (cur >= cfg) return;
      if (Date.now() >= deadline) {
        throw new OvsdbError(
          `${this.rpc.label}: ${context}`,
          'not applied',
          `ovs-vswitchd has not applied configuration ${cfg} within ${this.applyTimeoutMs} ms (cur_cfg is ${cur}); the change is in the database: is ovs-vswitchd running?`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }
}

function portInfo(row: Row, bridge: string | undefined): PortInfo {
  const info: PortInfo = {
    uuid: uuidOf(row._uuid),
    name: String(row.name),
    externalIds: mapObject(row.external_ids),
    interfaces: setAtoms(row.interfaces).map((u) => uuidOf(u)),
  };
  if (bridge !== undefined) info.bridge = bridge;
  const tag = optionalInteger(row.tag);
  if (tag !== undefined) info.tag = tag;
  return info;
}
