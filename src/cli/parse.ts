// argv -> a typed command. Pure: no kernel, no Docker. Options may come in any order and anywhere
// (pipework's fixed order -i, -l, -a is one such order); what follows `route`, `rule` and `tc`
// after the guest is passed through untouched.
import { InputError } from '../util/errors.js';
import type { WiringSpec } from '../wire/spec.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface GlobalOptions {
  dryRun: boolean;
  json: boolean;
  verbose: boolean;
  /** run the host side in this named netns instead of the caller's */
  hostNetns?: string;
  /** Open vSwitch database, unix:PATH */
  ovsdb?: string;
  /** datapath type of OVS bridges to create (netdev = userspace) */
  ovsDatapath?: string;
}

export type Command =
  | { verb: 'wire'; spec: WiringSpec; family?: 4 | 6; directPhys: boolean; options: Record<string, string | boolean> }
  | { verb: 'del'; guest?: string; ifname?: string; file?: string }
  | { verb: 'route' | 'rule' | 'tc'; guest: string; args: string[] }
  | { verb: 'ls'; guest?: string }
  | { verb: 'wait'; ifname: string; timeout?: number }
  | { verb: 'apply'; file: string }
  | { verb: 'watch'; file: string }
  | { verb: 'cni-install'; dir?: string }
  | { verb: 'help' }
  | { verb: 'version' };

export interface Parsed {
  command: Command;
  global: GlobalOptions;
}

interface OptionDef {
  /** takes a value (the next word, or after "=") */
  value: boolean;
  key: string;
}

const OPTIONS: Record<string, OptionDef> = {
  '-i': { value: true, key: 'ifname' },
  '-l': { value: true, key: 'local' },
  '-a': { value: true, key: 'family' },
  '-f': { value: true, key: 'file' },
  '--file': { value: true, key: 'file' },
  '--mtu': { value: true, key: 'mtu' },
  '--dry-run': { value: false, key: 'dryRun' },
  '--json': { value: false, key: 'json' },
  '-v': { value: false, key: 'verbose' },
  '--verbose': { value: false, key: 'verbose' },
  '--host-netns': { value: true, key: 'hostNetns' },
  '--direct-phys': { value: false, key: 'directPhys' },
  '--macvlan-mode': { value: true, key: 'mode' },
  '--mode': { value: true, key: 'mode' },
  '--kind': { value: true, key: 'kind' },
  '--ovsdb': { value: true, key: 'ovsdb' },
  '--ovs-datapath': { value: true, key: 'ovsDatapath' },
  '--timeout': { value: true, key: 'timeout' },
  '--keep': { value: false, key: 'keep' },
  '--resolv-conf': { value: true, key: 'resolvConf' },
  '--wait': { value: false, key: 'wait' },
  '--dir': { value: true, key: 'dir' },
  '-h': { value: false, key: 'help' },
  '--help': { value: false, key: 'help' },
  '--version': { value: false, key: 'version' },
};

const PASSTHROUGH = new Set(['route', 'rule', 'tc']);
const VERBS = new Set(['del', 'ls', 'apply', 'watch', ...PASSTHROUGH]);

export function parseArgs(argv: readonly string[]): Parsed {
  const opts: Record<string, string | boolean> = {};
  const positional: string[] = [];
  let passthrough: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (positional.length === 2 && PASSTHROUGH.has(positional[0])) {
      passthrough = argv.slice(i);
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const eq = arg.indexOf('=');
      const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
      const def = OPTIONS[name];
      if (!def) throw new UsageError(`unknown option ${name}`);
      if (def.value) {
        const v = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option ${name} needs a value`);
        if (opts[def.key] !== undefined) throw new UsageError(`option ${name} is given twice`);
        opts[def.key] = v;
      } else {
        opts[def.key] = true;
      }
      continue;
    }
    positional.push(arg);
  }
  const global: GlobalOptions = {
    dryRun: opts.dryRun === true,
    json: opts.json === true,
    verbose: opts.verbose === true,
    hostNetns: opts.hostNetns as string | undefined,
    ovsdb: opts.ovsdb as string | undefined,
    ovsDatapath: opts.ovsDatapath as string | undefined,
  };
  return { command: toCommand(positional, opts, passthrough), global };
}

function str(opts: Record<string, string | boolean>, key: string): string | undefined {
  const v = opts[key];
  return typeof v === 'string' ? v : undefined;
}

function toCommand(pos: string[], opts: Record<string, string | boolean>, passthrough?: string[]): Command {
  if (opts.help) return { verb: 'help' };
  if (opts.version) return { verb: 'version' };
  if (opts.wait) {
    if (pos.length) throw new UsageError(`--wait takes no arguments besides -i and --timeout (got "${pos[0]}")`);
    return { verb: 'wait', ifname: str(opts, 'ifname') ?? 'eth1', timeout: number(opts, 'timeout', '--timeout') };
  }
  const verb = pos[0];
  if (verb === undefined) throw new UsageError('nothing to do');
  if (PASSTHROUGH.has(verb)) {
    if (pos.length < 2) throw new UsageError(`${verb} needs a guest: pipework ${verb} <guest> ...`);
    return { verb: verb as 'route' | 'rule' | 'tc', guest: pos[1], args: [...pos.slice(2), ...(passthrough ?? [])] };
  }
  if (verb === 'del') {
    if (pos.length > 2) throw new UsageError(`del takes one guest (got ${pos.length - 1} words)`);
    if (pos.length < 2 && !opts.file) throw new UsageError('del needs a guest: pipework del <guest> [-i IFNAME], or -f FILE');
    return { verb: 'del', guest: pos[1], ifname: str(opts, 'ifname'), file: str(opts, 'file') };
  }
  if (verb === 'ls') {
    if (pos.length > 2) throw new UsageError('ls takes at most one guest');
    return { verb: 'ls', guest: pos[1] };
  }
  if (verb === 'apply' || verb === 'watch') {
    const file = str(opts, 'file');
    if (!file || pos.length > 1) throw new UsageError(`${verb} takes its wirings from a file: pipework ${verb} -f FILE`);
    return { verb, file };
  }
  // "cni install" only: a host interface may well be named cni
  if (verb === 'cni' && pos[1] === 'install') {
    if (pos.length > 2) throw new UsageError(`unexpected "${pos[2]}": pipework cni install [--dir DIR]`);
    return { verb: 'cni-install', dir: str(opts, 'dir') };
  }
  if (opts.dir !== undefined) throw new UsageError('--dir belongs to "pipework cni install"');
  if (VERBS.has(verb)) throw new UsageError(`unexpected ${verb}`);
  if (pos.length < 3) throw new UsageError(pos.length === 1 ? 'missing the guest and the address' : 'missing the address');
  if (pos.length > 4) throw new UsageError(`too many arguments: "${pos.slice(4).join(' ')}"`);
  const [host, guest, addresses, macVlan] = pos;
  const spec: WiringSpec = { host, guest, addresses, ifname: str(opts, 'ifname'), local: str(opts, 'local') };
  if (macVlan !== undefined) {
    // [MAC][@VLAN]: "@10" is VLAN 10 without a MAC
    const at = macVlan.indexOf('@');
    const mac = at < 0 ? macVlan : macVlan.slice(0, at);
    if (mac) spec.mac = mac;
    if (at >= 0) {
      // A VLAN ID in decimal, or for IPoIB a partition key in hex (pipework's @8001).
      const v = macVlan.slice(at + 1);
      if (!/^(0x)?[0-9a-fA-F]+$/.test(v)) throw new InputError(`VLAN "${v}" in ${macVlan} is not a number`, 'write [MAC]@VLAN, e.g. @10');
      if (/^\d+$/.test(v)) spec.vlan = Number(v);
      spec.pkey = v;
    }
  }
  const kind = str(opts, 'kind');
  if (kind !== undefined) spec.kind = kind as WiringSpec['kind'];
  const mode = str(opts, 'mode');
  if (mode !== undefined) spec.mode = mode;
  if (opts.directPhys === true) spec.directPhys = true;
  const mtu = number(opts, 'mtu', '--mtu');
  if (mtu !== undefined) spec.mtu = mtu;
  let family: 4 | 6 | undefined;
  const fam = str(opts, 'family');
  if (fam !== undefined) {
    if (fam !== '4' && fam !== '6') throw new UsageError(`-a takes 4 or 6, not "${fam}"`);
    family = Number(fam) as 4 | 6;
  }
  return { verb: 'wire', spec, family, directPhys: opts.directPhys === true, options: opts };
}

function number(opts: Record<string, string | boolean>, key: string, name: string): number | undefined {
  const v = str(opts, key);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${name} takes a number, not "${v}"`);
  return Number(v);
}

export const USAGE = `Usage:
  pipework <hostif> [-i <guestif>] [-l <localif>] [-a 4|6] <guest> <address>[@<gateway>][,...] [<mac>][@<vlan>]
  pipework <hostif> <guest> dhcp[-f][:<options>] [<mac>] [--keep] [--timeout <s>] [--resolv-conf <path>|container]
  pipework del <guest> [-i <guestif>]
  pipework route|rule|tc <guest> <arguments as for ip route, ip rule, tc>
  pipework ls [<guest>]
  pipework --wait [-i <guestif>] [--timeout <seconds>]
  pipework apply -f <file>        pipework del -f <file>
  pipework watch -f <file>        (apply, then again to each container of the file when it starts)
  pipework cni install [--dir <dir>]   (the CNI plugin, as <dir>/pipework; default /opt/cni/bin)

  <hostif>   a Linux bridge (created if missing and named br*), an Open vSwitch bridge (created if
             missing and named ovs*), a NIC (macvlan; --kind ipvlan; --direct-phys), mac:<addr>
  <guest>    a Docker container (name, ID or ID prefix), netns:<name>, pid:<pid>, <pid>,
             a netns file path, or a bare name of a netns in /var/run/netns
  <address>  10.0.0.5/24, fd00::5/64, several comma-separated, 0/0 for none; @<gateway> sets
             the default route of that family
  <mac>      02:42:ac:11:00:02, or U:<text> for a MAC derived from <text>

Options: -i <guestif> (default eth1), -l <localif>, --mtu <n>, --dry-run, --json, -v,
         --host-netns <name> (do the host side in that netns), --ovsdb unix:<path>,
         --ovs-datapath netdev, --help, --version
Exit codes: 0 done, 1 the request failed, 2 usage error.
`;
