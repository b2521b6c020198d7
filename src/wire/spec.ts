// What a wiring asks for, and the parsing of pipework's compact forms of it:
//   addresses  "10.0.0.5/24@10.0.0.1,fd00::5/64@fd00::1"  ("0/0" = no address, "0/0@GW" = gateway only)
//   MAC        "02:42:ac:11:00:02" or "U:<seed>" (pipework's stable hash)
import { InputError } from '../util/errors.js';
import { type DhcpSpec, parseDhcpForm } from './dhcp-form.js';
import { type Cidr, equalBytes, type Family, formatCidr, formatIp, type IpAddress, parseCidr, parseIp, parseMac, stableMac } from '../util/ip.js';

export interface AddressWithGateway {
  /** undefined for pipework's "0/0": no address, possibly a gateway */
  cidr?: Cidr;
  gateway?: IpAddress;
}

/** The choices about the link itself, shared by the request and the drivers that carry it out. */
export interface LinkChoices {
  /** MAC address of the guest interface, or "U:<seed>" */
  mac?: string;
  vlan?: number;
  /** MTU of both ends; default: the host interface's MTU */
  mtu?: number;
  /** on a physical host interface: macvlan (default) or ipvlan */
  kind?: 'macvlan' | 'ipvlan';
  /** macvlan mode (private, vepa, bridge, passthru; default bridge) or ipvlan mode (l2, l3, l3s; default l2) */
  mode?: string;
  /** move the physical interface itself into the guest (pipework's --direct-phys) */
  directPhys?: boolean;
  /** IPoIB partition key as pipework takes it after @ (hex, e.g. "8001") */
  pkey?: string;
}

/** One wiring, as the CLI and the library take it. Only host, guest and addresses are required. */
export interface WiringSpec extends LinkChoices {
  /** host interface: a bridge name (created if missing and it starts with "br"), a NIC, mac:<addr>, ... */
  host: string;
  /** the guest: container name/ID, netns:NAME, pid:N, N, or a netns file path */
  guest: string;
  /** interface name inside the guest (default eth1) */
  ifname?: string;
  /** host-side interface name (default: pipework's v<ifname>pl<pid>) */
  local?: string;
  /** pipework's address spec string, or already-parsed addresses */
  addresses?: string | AddressWithGateway[];
  /** DHCP settings; an address spec of dhcp, dhcp-f, udhcpc[-f], dhclient[-f] or dhcpcd also asks for DHCP */
  dhcp?: DhcpSpec;
}

/** A WiringSpec checked and parsed: what the engine works from. */
export interface NormalizedSpec extends LinkChoices {
  host: string;
  /** undefined: the driver's default (eth1, or ib0 for IPoIB) */
  ifname?: string;
  local?: string;
  addresses: AddressWithGateway[];
  dhcp?: DhcpSpec;
}

export const DEFAULT_IFNAME = 'eth1';

/** Parses pipework's address spec: comma-separated CIDR[@gateway] items. */
export function parseAddresses(spec: string): AddressWithGateway[] {
  if (spec.trim() === '') throw new InputError('the address is empty', 'give an address with its prefix length, e.g. 10.0.0.5/24');
  const items = spec.split(',').map((s) => s.trim());
  return validateAddresses(items.map(parseOne));
}

function parseOne(item: string): AddressWithGateway {
  const at = item.indexOf('@');
  const addr = at < 0 ? item : item.slice(0, at);
  const gw = at < 0 ? undefined : item.slice(at + 1);
  if (gw !== undefined && gw.includes('@')) throw new InputError(`address ${item} has more than one @`, 'write ADDRESS/PREFIX@GATEWAY');
  let gateway: IpAddress | undefined;
  if (gw !== undefined) {
    gateway = parseIp(gw);
    if (!gateway) throw new InputError(`gateway "${gw}" in ${item} is not an IPv4 or IPv6 address`);
  }
  if (addr === '0/0' || addr === '0.0.0.0/0' || addr === '::/0') return { gateway };
  if (!addr.includes('/')) {
    // pipework's words for this case, with its suggestion
    const guess = parseIp(addr);
    throw new InputError(`The IP address should include a netmask.`, guess ? `Maybe you meant ${addr}/${guess.family === 4 ? 24 : 64} ?` : `"${addr}" is not an IP address either`);
  }
  const cidr = parseCidr(addr);
  if (cidr.bytes.every((b) => b === 0)) throw new InputError(`address ${addr} is the unspecified address`, 'use 0/0 for "no address"');
  if (cidr.family === 4 && cidr.bytes[0] >= 224) throw new InputError(`address ${addr} is not a unicast address`);
  if (cidr.family === 6 && cidr.bytes[0] === 0xff) throw new InputError(`address ${addr} is a multicast address`);
  return { cidr, gateway };
}

/**
 * Checks a list of addresses as a whole (also when the library is given them already parsed): one
 * gateway per family, of its address's family, none of them one of the guest's own addresses, and
 * no address twice.
 */
export function validateAddresses(list: AddressWithGateway[]): AddressWithGateway[] {
  const gateways = new Map<Family, IpAddress>();
  const seen: Cidr[] = [];
  for (const a of list) {
    if (a.cidr && a.gateway && a.gateway.family !== a.cidr.family) {
      throw new InputError(
        `gateway ${formatIp(a.gateway.bytes)} is IPv${a.gateway.family} but address ${formatCidr(a.cidr)} is IPv${a.cidr.family}`,
        'give each address a gateway of its own family',
      );
    }
    if (a.gateway) {
      const prev = gateways.get(a.gateway.family);
      if (prev && !equalBytes(prev.bytes, a.gateway.bytes)) {
        throw new InputError(`two IPv${a.gateway.family} gateways (${formatIp(prev.bytes)} and ${formatIp(a.gateway.bytes)})`, 'a guest has one default route per family: keep one');
      }
      gateways.set(a.gateway.family, a.gateway);
    }
    if (a.cidr) {
      if (seen.some((s) => equalBytes(s.bytes, a.cidr!.bytes))) throw new InputError(`address ${formatIp(a.cidr.bytes)} is given twice`);
      seen.push(a.cidr);
    }
  }
  for (const gw of gateways.values()) {
    // The kernel takes it (a route via a local address), but the guest would then route every
    // packet to itself: no default route works that way.
    const own = seen.find((c) => equalBytes(c.bytes, gw.bytes));
    if (own) throw new InputError(`gateway ${formatIp(gw.bytes)} is the guest's own address (${formatCidr(own)})`, "give the address of a router on the guest's network, or drop @GATEWAY");
  }
  return list;
}

export function formatAddresses(list: readonly AddressWithGateway[]): string {
  return list.map((a) => `${a.cidr ? formatCidr(a.cidr) : '0/0'}${a.gateway ? '@' + formatIp(a.gateway.bytes) : ''}`).join(',');
}

/** A MAC as given on the command line: an address, or U:<seed> for pipework's stable one. */
export function resolveMac(text: string): string {
  if (text.startsWith('U:')) return stableMac(text.slice(2));
  parseMac(text);
  return text.toLowerCase().replace(/-/g, ':');
}

/** Interface names as the kernel accepts them (dev_valid_name), at most 15 bytes. */
export const IFNAMSIZ = 16;

export function validIfname(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name) > IFNAMSIZ - 1) return `is ${Buffer.byteLength(name)} characters long; the kernel's limit is ${IFNAMSIZ - 1}`;
  if (name === '.' || name === '..') return 'is not a valid name';
  if (/[\s/:]/.test(name)) return 'contains a space, "/" or ":", which interface names cannot';
  return undefined;
}

export function checkIfname(name: string, what: string, hint?: string): string {
  const problem = validIfname(name);
  if (problem) throw new InputError(`${what} "${name}" ${problem}`, hint);
  return name;
}

export function checkVlan(vlan: number): number {
  if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) throw new InputError(`VLAN ${vlan} is out of range`, 'VLAN IDs go from 1 to 4094');
  return vlan;
}

export function checkMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new InputError(`MTU ${mtu} is out of range`, 'give a value from 68 to 65535');
  return mtu;
}

/** Checks and parses a spec: what every path (wire, wireMany, apply -f, watch) works from. */
export function normalize(spec: WiringSpec): NormalizedSpec {
  if (!spec.host) throw new InputError('no host interface given', 'name a bridge, e.g. br1');
  if (!spec.host.startsWith('mac:')) checkIfname(spec.host, 'host interface');
  const dhcpForm = typeof spec.addresses === 'string' ? parseDhcpForm(spec.addresses) : undefined;
  const dhcp = dhcpForm || spec.dhcp ? { ...dhcpForm, ...spec.dhcp, keep: spec.dhcp?.keep || dhcpForm?.keep } : undefined;
  const addresses = dhcpForm ? [] : typeof spec.addresses === 'string' ? parseAddresses(spec.addresses) : validateAddresses(spec.addresses ?? []);
  return {
    host: spec.host,
    ifname: spec.ifname === undefined ? undefined : checkIfname(spec.ifname, 'guest interface name (-i)'),
    local: spec.local,
    addresses,
    mac: spec.mac === undefined ? undefined : resolveMac(spec.mac),
    vlan: spec.vlan,
    mtu: spec.mtu === undefined ? undefined : checkMtu(spec.mtu),
    kind: checkKind(spec.kind),
    mode: spec.mode,
    directPhys: spec.directPhys,
    pkey: spec.pkey,
    dhcp,
  };
}

function checkKind(kind: string | undefined): 'macvlan' | 'ipvlan' | undefined {
  if (kind === undefined || kind === 'macvlan' || kind === 'ipvlan') return kind;
  throw new InputError(`--kind ${kind} is unknown`, 'use macvlan or ipvlan (for a physical host interface)');
}

// ---------------------------------------------------------------------------------------------
// The vocabulary of a wiring as a file (`apply -f`, `watch -f`) or a config writes it: one field per
// CLI option, under the library spec's names, checked by the same code as the command line.

export interface FieldInfo {
  type: 'string' | 'number' | 'boolean';
  /** the command line's way of saying it */
  cli: string;
  required?: boolean;
  /** a setting of the session (one per file), not of one wiring */
  session?: boolean;
}

export const WIRING_FIELDS = {
  host: { type: 'string', cli: '<hostif>', required: true },
  guest: { type: 'string', cli: '<guest>', required: true },
  address: { type: 'string', cli: '<address>', required: true },
  ifname: { type: 'string', cli: '-i' },
  local: { type: 'string', cli: '-l' },
  mac: { type: 'string', cli: '<mac>' },
  vlan: { type: 'number', cli: '@<vlan>' },
  pkey: { type: 'string', cli: '@<pkey> (IPoIB, hex)' },
  mtu: { type: 'number', cli: '--mtu' },
  kind: { type: 'string', cli: '--kind' },
  mode: { type: 'string', cli: '--mode' },
  directPhys: { type: 'boolean', cli: '--direct-phys' },
  keep: { type: 'boolean', cli: '--keep' },
  timeout: { type: 'number', cli: '--timeout' },
  resolvConf: { type: 'string', cli: '--resolv-conf' },
  ovsdb: { type: 'string', cli: '--ovsdb', session: true },
  ovsDatapath: { type: 'string', cli: '--ovs-datapath', session: true },
} as const satisfies Record<string, FieldInfo>;

export type WiringField = keyof typeof WIRING_FIELDS;
export type FieldValues = Partial<Record<WiringField, string | number | boolean>>;

/** The DHCP settings (keep, timeout, resolvConf) of a wiring; `name` says how the caller's input spells each. */
export function withDhcpOptions(spec: WiringSpec, o: { keep?: boolean; timeout?: number | string; resolvConf?: string }, name: (f: 'keep' | 'timeout' | 'resolvConf') => string): WiringSpec {
  const isDhcp = typeof spec.addresses === 'string' && parseDhcpForm(spec.addresses) !== undefined;
  const given = (['keep', 'timeout', 'resolvConf'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (!isDhcp) {
    if (given.length) throw new InputError(`${name(given[0])} goes with a DHCP address (dhcp, dhcp-f, udhcpc, ...)`);
    return spec;
  }
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new InputError(`${name('timeout')} takes a number of seconds, not "${o.timeout}"`);
  return { ...spec, dhcp: { ...parseDhcpForm(spec.addresses as string), keep: o.keep === true || undefined, timeoutSeconds: timeout, resolvConf: o.resolvConf } };
}

/** A file entry's fields (types already checked) -> the library spec, with the command line's checks. */
export function specFromFields(f: FieldValues): WiringSpec {
  let spec: WiringSpec = { host: f.host as string, guest: f.guest as string, addresses: f.address as string };
  for (const k of ['ifname', 'local', 'mac', 'pkey', 'mode'] as const) if (f[k] !== undefined) spec[k] = f[k] as string;
  for (const k of ['vlan', 'mtu'] as const) if (f[k] !== undefined) spec[k] = f[k] as number;
  if (f.kind !== undefined) spec.kind = f.kind as WiringSpec['kind'];
  if (f.directPhys === true) spec.directPhys = true;
  spec = withDhcpOptions(spec, { keep: f.keep as boolean | undefined, timeout: f.timeout as number | undefined, resolvConf: f.resolvConf as string | undefined }, (k) => k);
  normalize(spec);
  return spec;
}
