// The plugin's input: the CNI_* environment and the network config on stdin, checked and turned
// into one request. Field names of ours are those of the wiring spec (src/wire/spec.ts), so a
// network config says what a wirings-file entry says.
import { CniError, CODE } from './errors.js';

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
const COMMANDS: readonly Command[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** Versions whose configs and results we speak; 0.3.x results are 0.4.0's shape. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

export interface IpamConfig {
  type: string;
  [key: string]: unknown;
}

/** The network config (one plugin's object of a conflist, with name and cniVersion filled in). */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  /** the host interface, as the CLI's first argument: a bridge, a NIC, mac:ADDR */
  host: string;
  kind?: 'macvlan' | 'ipvlan';
  mode?: string;
  vlan?: number;
  mtu?: number;
  mac?: string;
  directPhys?: boolean;
  ovsdb?: string;
  ovsDatapath?: string;
  ipam?: IpamConfig;
  dns?: unknown;
  runtimeConfig?: { mac?: string; ips?: string[]; [key: string]: unknown };
  prevResult?: Record<string, unknown>;
  /** GC's list of what the runtime still knows */
  'cni.dev/valid-attachments'?: { containerID: string; ifname: string }[];
  [key: string]: unknown;
}

export interface Request {
  command: Command;
  containerId: string;
  /** the container's netns path; '' when the runtime sent none (a DEL after the container is gone) */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs */
  args: Map<string, string>;
  path: string[];
  conf: NetConf;
  /** the raw stdin, handed to the IPAM plugin unchanged */
  stdin: string;
}

const ARGS_WE_READ = new Set(['IgnoreUnknown', 'IP', 'MAC', 'K8S_POD_NAME', 'K8S_POD_NAMESPACE', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID']);

export function parseCommand(env: NodeJS.ProcessEnv): Command {
  const c = env.CNI_COMMAND;
  if (!c) throw new CniError(CODE.invalidEnv, 'CNI_COMMAND is not set', 'this program is a CNI plugin: runtimes run it with CNI_COMMAND=ADD|DEL|CHECK|VERSION|STATUS|GC');
  if (!COMMANDS.includes(c as Command)) throw new CniError(CODE.invalidEnv, `CNI_COMMAND ${c} is unknown`, `use one of ${COMMANDS.join(', ')}`);
  return c as Command;
}

export function parseRequest(command: Command, env: NodeJS.ProcessEnv, stdin: string): Request {
  const conf = parseConf(stdin);
  const needsContainer = command === 'ADD' || command === 'DEL' || command === 'CHECK';
  const need = (name: string): string => {
    const v = env[name];
    if (needsContainer && !v) throw new CniError(CODE.invalidEnv, `${name} is not set`, `${command} needs CNI_CONTAINERID, CNI_IFNAME and (except DEL) CNI_NETNS`);
    return v ?? '';
  };
  const containerId = need('CNI_CONTAINERID');
  const ifname = need('CNI_IFNAME');
  const netns = command === 'DEL' ? (env.CNI_NETNS ?? '') : need('CNI_NETNS');
  if (netns && !netns.startsWith('/')) throw new CniError(CODE.invalidEnv, `CNI_NETNS "${netns}" is not an absolute path`, 'give the path of the container\'s network namespace file');
  return { command, containerId, netns, ifname, args: parseArgs(env.CNI_ARGS ?? ''), path: (env.CNI_PATH ?? '').split(':').filter(Boolean), conf, stdin };
}

function parseConf(stdin: string): NetConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(CODE.decode, `the network config on stdin is not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CniError(CODE.decode, 'the network config on stdin is not a JSON object');
  const c = raw as Record<string, unknown>;
  const version = typeof c.cniVersion === 'string' ? c.cniVersion : '0.1.0';
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new CniError(CODE.incompatibleVersion, `cniVersion ${version} is not supported`, `use one of ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const bad = (field: string, why: string) => new CniError(CODE.invalidConfig, `"${field}" ${why}`, `network config of "${String(c.name)}"`);
  const host = c.host ?? c.bridge;
  if (c.host !== undefined && c.bridge !== undefined) throw bad('host', 'and "bridge" are both given: they name the same thing, keep one');
  const str = (k: string) => {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw bad(k, 'must be a string');
    return c[k] as string | undefined;
  };
  const num = (k: string) => {
    if (c[k] !== undefined && (typeof c[k] !== 'number' || !Number.isInteger(c[k]))) throw bad(k, 'must be an integer');
    return c[k] as number | undefined;
  };
  str('name');
  str('type');
  if (typeof host !== 'string' || host === '') throw bad('host', 'is missing: name the host interface, e.g. "bridge": "br1" or "host": "eth0"');
  const kind = str('kind');
  if (kind !== undefined && kind !== 'macvlan' && kind !== 'ipvlan') throw bad('kind', `is "${kind}": use macvlan or ipvlan`);
  if (c.directPhys !== undefined && typeof c.directPhys !== 'boolean') throw bad('directPhys', 'must be true or false');
  if (c.ipam !== undefined && (typeof c.ipam !== 'object' || c.ipam === null || typeof (c.ipam as IpamConfig).type !== 'string')) {
    throw bad('ipam', 'must be an object with a "type" (e.g. host-local, static, pipework-dhcp)');
  }
  for (const k of ['mode', 'mac', 'ovsdb', 'ovsDatapath']) str(k);
  for (const k of ['vlan', 'mtu']) num(k);
  return { ...(c as object), cniVersion: version, name: String(c.name ?? ''), type: String(c.type ?? ''), host } as NetConf;
}

function parseArgs(text: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const pair of text.split(';').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CODE.invalidEnv, `CNI_ARGS item "${pair}" is not KEY=VALUE`);
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const ignoreUnknown = /^(1|true)$/i.test(args.get('IgnoreUnknown') ?? '');
  const unknown = [...args.keys()].filter((k) => !ARGS_WE_READ.has(k));
  if (unknown.length && !ignoreUnknown) {
    throw new CniError(CODE.invalidEnv, `CNI_ARGS has ${unknown.join(', ')}, which this plugin does not know`, 'add IgnoreUnknown=1 to CNI_ARGS to pass them anyway');
  }
  return args;
}
