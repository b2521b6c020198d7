// CNI results: read in any version we speak (an IPAM result, a prevResult), kept in 1.0.0's shape,
// and written in the version the config asks for.
import { CniError, CODE } from './errors.js';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
}

export interface CniIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  [key: string]: unknown;
}

export interface CniResult {
  interfaces: CniInterface[];
  ips: CniIp[];
  routes: CniRoute[];
  dns: Record<string, unknown>;
}

const list = (v: unknown, what: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new CniError(CODE.decode, `${what} is not a list`);
  return v;
};

/** A result as another plugin printed it (0.3.x, 0.4.0, 1.x), in 1.0.0's shape. */
export function readResult(raw: unknown, what: string): CniResult {
  if (typeof raw !== 'object' || raw === null) throw new CniError(CODE.decode, `${what} is not a JSON object`);
  const r = raw as Record<string, unknown>;
  const interfaces = list(r.interfaces, `${what}.interfaces`).map((i) => {
    const o = i as Record<string, unknown>;
    return { name: String(o.name), ...(o.mac ? { mac: String(o.mac) } : {}), ...(o.mtu ? { mtu: Number(o.mtu) } : {}), ...(o.sandbox ? { sandbox: String(o.sandbox) } : {}) };
  });
  const ips = list(r.ips, `${what}.ips`).map((i) => {
    const o = i as Record<string, unknown>;
    if (typeof o.address !== 'string') throw new CniError(CODE.decode, `${what}.ips has an entry without an address`);
    return { address: o.address, ...(typeof o.gateway === 'string' ? { gateway: o.gateway } : {}), ...(typeof o.interface === 'number' ? { interface: o.interface } : {}) };
  });
  const routes = list(r.routes, `${what}.routes`).map((x) => {
    const o = x as CniRoute;
    if (typeof o.dst !== 'string') throw new CniError(CODE.decode, `${what}.routes has an entry without a dst`);
    return { ...o };
  });
  const dns = typeof r.dns === 'object' && r.dns !== null ? (r.dns as Record<string, unknown>) : {};
  return { interfaces, ips, routes, dns };
}

/** The result as the config's cniVersion writes it. */
export function writeResult(cniVersion: string, r: CniResult): Record<string, unknown> {
  const old = cniVersion.startsWith('0.');
  const ips = r.ips.map((ip) => (old ? { version: ip.address.includes(':') ? '6' : '4', ...ip } : { ...ip }));
  const out: Record<string, unknown> = { cniVersion, interfaces: r.interfaces, ips, routes: r.routes, dns: r.dns };
  if (!r.interfaces.length) delete out.interfaces;
  return out;
}

export function emptyResult(): CniResult {
  return { interfaces: [], ips: [], routes: [], dns: {} };
}
