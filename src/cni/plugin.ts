// The CNI commands. Each parses nothing itself (config.ts did), wires through wiring.ts, and
// returns the JSON to print. ADD is a wiring, DEL its undo, CHECK the wiring's own comparison of
// what is asked with what the kernel has.
import { ownIps, toAddressSpec, unclaimedIps } from './addresses.js';
import { type Command, parseRequest, type Request, SUPPORTED_VERSIONS } from './config.js';
import { CniError, CODE } from './errors.js';
import { runIpam } from './ipam.js';
import { mark } from './profile.js';
import { type CniResult, emptyResult, readResult, writeResult } from './result.js';
import { add, type Attachment, check, collect, hostEndFor, hostInterfaceExists, Pipework, remove, type WiringSpec } from './wiring.js';

/** Our own IPAM type: the built-in DHCP client instead of a delegated plugin. */
export const DHCP_IPAM = 'pipework-dhcp';

export async function runCommand(command: Command, env: NodeJS.ProcessEnv, stdin: string): Promise<Record<string, unknown> | undefined> {
  if (command === 'VERSION') return version(stdin);
  const req = parseRequest(command, env, stdin);
  const pw = new Pipework({ ovsdb: req.conf.ovsdb, ovsDatapath: req.conf.ovsDatapath });
  try {
    switch (command) {
      case 'ADD':
        return await cmdAdd(pw, req, env);
      case 'CHECK':
        await cmdCheck(pw, req, env);
        return undefined;
      case 'DEL':
        await cmdDel(pw, req, env);
        return undefined;
      case 'STATUS':
        cmdStatus(pw, req);
        return undefined;
      case 'GC':
        await cmdGc(pw, req, env);
        return undefined;
    }
  } finally {
    pw.close();
  }
}

function version(stdin: string): Record<string, unknown> {
  let asked = '1.1.0';
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    if (typeof v === 'string') asked = v;
  } catch {
    // VERSION may come with no config at all
  }
  return { cniVersion: asked, supportedVersions: SUPPORTED_VERSIONS };
}

const attachment = (req: Request): Attachment => ({ containerId: req.containerId, ifname: req.ifname });

/** The delegated IPAM plugin's type, or undefined (none, or our DHCP client). */
function delegatedIpam(req: Request): string | undefined {
  const type = req.conf.ipam?.type;
  return type && type !== DHCP_IPAM ? type : undefined;
}

function ipam(req: Request, env: NodeJS.ProcessEnv, command: 'ADD' | 'DEL' | 'CHECK', overrides: NodeJS.ProcessEnv = {}) {
  const type = delegatedIpam(req);
  return type ? runIpam({ type, command, path: req.path, stdin: req.stdin, env: { ...env, ...overrides } }) : undefined;
}

function linkSpec(req: Request): WiringSpec {
  const c = req.conf;
  return {
    host: c.host,
    guest: req.netns,
    ifname: req.ifname,
    local: hostEndFor(attachment(req)),
    kind: c.kind,
    mode: c.mode,
    vlan: c.vlan,
    mtu: c.mtu,
    mac: c.runtimeConfig?.mac ?? req.args.get('MAC') ?? c.mac,
    directPhys: c.directPhys,
  };
}

async function cmdAdd(pw: Pipework, req: Request, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const prev = req.conf.prevResult ? readResult(req.conf.prevResult, 'prevResult') : undefined;
  mark('session');
  const fromIpam = ipam(req, env, 'ADD');
  mark('ipam');
  try {
    const allocated = fromIpam ? readResult(fromIpam, 'the IPAM result') : undefined;
    const claimed = allocated?.ips ?? ownIps(req) ?? unclaimedIps(prev) ?? [];
    const routes = allocated?.routes ?? [];
    const spec = linkSpec(req);
    const dhcp = req.conf.ipam?.type === DHCP_IPAM;
    const { addresses, extra } = toAddressSpec(claimed, routes);
    if (dhcp) {
      spec.addresses = 'dhcp';
      spec.dhcp = { hostname: req.args.get('K8S_POD_NAME'), timeoutSeconds: numberField(req.conf.ipam?.timeout, 'ipam.timeout') };
    } else if (addresses) spec.addresses = addresses;
    const added = await add(pw, spec, attachment(req), extra);
    mark('wired');

    // Ours follow the interfaces of the plugins before us; an ip's "interface" indexes the merged list.
    const out: CniResult = prev ? { ...prev, interfaces: [...prev.interfaces], ips: prev.ips.filter((ip) => !claimed.includes(ip)), routes: [...prev.routes] } : emptyResult();
    const base = out.interfaces.length;
    out.interfaces.push(...added.interfaces);
    const inside = base + added.interfaces.length - 1;
    if (dhcp && added.wired.lease) {
      const gateway = added.wired.gateways[0];
      out.ips.push({ address: added.wired.addresses[0], ...(gateway ? { gateway } : {}), interface: inside });
      if (gateway) out.routes.push({ dst: '0.0.0.0/0', gw: gateway });
    } else {
      out.ips.push(...claimed.map((ip) => ({ ...ip, interface: inside })));
      out.routes.push(...routes);
    }
    const dns = req.conf.dns ?? allocated?.dns;
    if (dns && typeof dns === 'object' && Object.keys(dns).length) out.dns = dns as Record<string, unknown>;
    return writeResult(req.conf.cniVersion, out);
  } catch (e) {
    // Give the addresses back: a failed ADD leaves nothing, in the kernel or in the IPAM store.
    if (fromIpam) {
      try {
        ipam(req, env, 'DEL');
      } catch {
        // the ADD's own error is the one to report
      }
    }
    throw e;
  }
}

function numberField(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) throw new CniError(CODE.invalidConfig, `"${what}" must be a positive number of seconds`);
  return v;
}

async function cmdCheck(pw: Pipework, req: Request, env: NodeJS.ProcessEnv): Promise<void> {
  if (req.conf.cniVersion.startsWith('0.3')) throw new CniError(CODE.incompatibleVersion, `CHECK is not part of CNI ${req.conf.cniVersion}`, 'use cniVersion 0.4.0 or later');
  if (!req.conf.prevResult) throw new CniError(CODE.invalidConfig, 'CHECK needs the prevResult of the ADD', 'the runtime passes it from its cache');
  const prev = readResult(req.conf.prevResult, 'prevResult');
  ipam(req, env, 'CHECK');
  const index = prev.interfaces.findIndex((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (index < 0) throw new CniError(CODE.checkFailed, `prevResult has no interface ${req.ifname} in ${req.netns}`, 'it was not added by this config: run ADD');
  const ips = prev.ips.filter((ip) => ip.interface === index);
  const spec = linkSpec(req);
  spec.mac = prev.interfaces[index].mac ?? spec.mac;
  const { addresses } = toAddressSpec(ips, prev.routes.filter((r) => r.dst === '0.0.0.0/0' || r.dst === '::/0'));
  if (addresses) spec.addresses = addresses;
  const missing = await check(pw, spec);
  if (missing.length) {
    throw new CniError(CODE.checkFailed, `${req.ifname} in ${req.netns} is not as this network's ADD left it: ${missing.join('; ')}`, 'run DEL and ADD again (or restart the container)');
  }
}

async function cmdDel(pw: Pipework, req: Request, env: NodeJS.ProcessEnv): Promise<void> {
  let failure: unknown;
  mark('session');
  try {
    await remove(pw, req.netns, attachment(req), req.conf.ovsdb);
    mark('removed');
  } catch (e) {
    failure = e;
  }
  try {
    ipam(req, env, 'DEL');
    mark('ipam');
  } catch (e) {
    failure ??= e;
  }
  if (failure) throw failure;
}

function cmdStatus(pw: Pipework, req: Request): void {
  const host = req.conf.host;
  // ADD creates a missing bridge named br*: only other interfaces must already be there.
  if (!hostInterfaceExists(pw, host) && (!host.startsWith('br') || req.conf.directPhys)) {
    throw new CniError(CODE.notAvailable, `host interface ${host} does not exist`, 'create it (or fix "host"/"bridge" in the network config) before adding containers');
  }
}

async function cmdGc(pw: Pipework, req: Request, env: NodeJS.ProcessEnv): Promise<void> {
  const valid = req.conf['cni.dev/valid-attachments'] ?? [];
  if (!Array.isArray(valid)) throw new CniError(CODE.invalidConfig, '"cni.dev/valid-attachments" must be a list of {containerID, ifname}');
  const keep = valid.map((v) => ({ containerId: String(v.containerID), ifname: String(v.ifname) }));
  const problems: string[] = [];
  for (const gone of await collect(pw, keep, req.conf.ovsdb)) {
    // The addresses of a removed attachment go back to the pool, as its DEL would have done.
    try {
      ipam(req, env, 'DEL', { CNI_CONTAINERID: gone.containerId, CNI_IFNAME: gone.ifname, CNI_NETNS: '' });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new CniError(CODE.io, `GC removed stale attachments but releasing addresses failed: ${problems.join('; ')}`);
}
