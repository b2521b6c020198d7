// The few operations pipework needs on the Open_vSwitch schema (vswitch.ovsschema), over an
// OvsdbConnection: bridges, and ports with their single interface, VLAN tag and external_ids. It
// never runs ovs-vsctl. The facts about OVSDB relied on are listed in client.ts.
import { ConflictError, InputError } from '../util/errors.js';
import { type ApplyOptions, connectOvsdb, OvsdbConnection, type OvsdbClientOptions } from './client.js';
import {
  type Condition, map, mapObject, type NamedUuid, namedUuid, type Operation, type OperationResult, OvsdbError, optionalInteger, type Row, set, setAtoms, uuid,
  type Uuid, uuidOf,
} from './protocol.js';

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

const nameIs = (name: string): Condition[] => [['name', '==', name]];

export class OvsdbClient extends OvsdbConnection {
  static async connect(opts: OvsdbClientOptions = {}): Promise<OvsdbClient> {
    const { rpc, socket } = await connectOvsdb(opts);
    return new OvsdbClient(rpc, socket, opts);
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
