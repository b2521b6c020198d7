// The guest side of every wiring, whatever the link kind: interface up, addresses, gateways.
// Each is a step with its undo; a gateway outside every prefix of the interface first gets an
// on-link host route (/32 or /128), as pipework did after its issue #100.
import { isKernelError } from '../netlink/errors.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import { type Address, addAddressRequest, deleteAddressRequest } from '../ops/address.js';
import { setLinkRequest } from '../ops/link.js';
import { defaultRoutes, type Route, routeRequest } from '../ops/route.js';
import { RT_SCOPE_LINK } from '../netlink/constants.js';
import { type Cidr, equalBytes, formatCidr, formatIp, inSubnet, type IpAddress } from '../util/ip.js';
import type { Step } from './plan.js';
import type { AddressWithGateway } from './spec.js';

export interface GuestInterface {
  sock: NetlinkSocket;
  /** "eth1 in container web", for messages */
  label: string;
  /** the interface's index, known once the link exists (it may be created by an earlier step) */
  index(): number;
}

export interface ExistingState {
  up: boolean;
  addresses: Address[];
  defaults: Route[];
}

/**
 * The guest side of a wiring as data: what is to be done to the interface, given what it has. Both
 * executors read it: the one-guest plan (a step with its undo per operation) and the bulk engine
 * (all of a guest's operations in one sendmsg).
 */
export type GuestOp =
  | { op: 'up'; what: string }
  | { op: 'address'; cidr: Cidr; text: string; what: string }
  | { op: 'onlink'; gateway: IpAddress; dst: Cidr; text: string; what: string }
  | { op: 'default'; gateway: IpAddress; text: string; what: string };

export function guestOps(label: string, wanted: readonly AddressWithGateway[], existing?: ExistingState, index?: number): GuestOp[] {
  const ops: GuestOp[] = [];
  if (!existing?.up) ops.push({ op: 'up', what: `set ${label} up` });
  const prefixes: Cidr[] = [];
  for (const a of wanted) {
    if (!a.cidr) continue;
    const cidr = a.cidr;
    prefixes.push(cidr);
    if (existing?.addresses.some((e) => equalBytes(e.local, cidr.bytes) && e.prefix === cidr.prefix)) continue;
    const text = formatCidr(cidr);
    ops.push({ op: 'address', cidr, text, what: `add address ${text} to ${label}` });
  }
  for (const a of wanted) {
    if (!a.gateway) continue;
    const gw = a.gateway;
    if (existing?.defaults.some((r) => r.gateway && equalBytes(r.gateway, gw.bytes) && r.oif === index)) continue;
    if (!prefixes.some((p) => inSubnet(gw, p))) {
      const dst: Cidr = { ...gw, prefix: gw.family === 4 ? 32 : 128 };
      const text = `${formatCidr(dst)} dev ${label}`;
      ops.push({ op: 'onlink', gateway: gw, dst, text, what: `add on-link route ${text} (the gateway is outside the interface's prefixes)` });
    }
    const text = `default via ${formatIp(gw.bytes)} dev ${label}`;
    ops.push({ op: 'default', gateway: gw, text, what: `set route ${text}` });
  }
  return ops;
}

/** The request that carries out an operation (a default route: added; the caller replaces on EEXIST). */
export function guestOpRequest(op: GuestOp, index: number, label: string): Request {
  switch (op.op) {
    case 'up':
      return setLinkRequest(index, { up: true }, `setting ${label} up`);
    case 'address':
      return addAddressRequest({ index, cidr: op.cidr, nodad: true }, `adding ${op.text} to ${label}`);
    case 'onlink':
      return routeRequest('add', onLinkSpec(op, index), `adding route ${op.text}`);
    case 'default':
      return routeRequest('add', { family: op.gateway.family, gateway: op.gateway.bytes, oif: index }, `adding route ${op.text}`);
  }
}

const onLinkSpec = (op: Extract<GuestOp, { op: 'onlink' }>, index: number) => ({ family: op.gateway.family, dst: op.dst, oif: index, scope: RT_SCOPE_LINK });

export function guestConfigSteps(iface: GuestInterface, wanted: readonly AddressWithGateway[], existing?: ExistingState): Step[] {
  // The index is asked only when existing routes must be matched (the link exists by then).
  return guestOps(iface.label, wanted, existing, existing ? iface.index() : undefined).map((op) => stepFor(iface, op));
}

function stepFor(iface: GuestInterface, op: GuestOp): Step {
  const { sock, label } = iface;
  switch (op.op) {
    case 'up':
      return {
        what: op.what,
        where: 'guest',
        apply: () => void sock.request(guestOpRequest(op, iface.index(), label)),
        undo: () => void sock.request(setLinkRequest(iface.index(), { up: false }, `setting ${label} down`)),
      };
    case 'address':
      return {
        what: op.what,
        where: 'guest',
        apply: () => void sock.request(guestOpRequest(op, iface.index(), label)),
        undo: () => void sock.request(deleteAddressRequest({ index: iface.index(), cidr: op.cidr }, `removing ${op.text} from ${label}`)),
      };
    case 'onlink':
      return onLinkHostRoute(iface, op);
    case 'default':
      return defaultRouteStep(iface, op);
  }
}

function onLinkHostRoute(iface: GuestInterface, op: Extract<GuestOp, { op: 'onlink' }>): Step {
  return {
    what: op.what,
    where: 'guest',
    apply: () => {
      try {
        iface.sock.request(guestOpRequest(op, iface.index(), iface.label));
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw e;
      }
    },
    undo: () => void iface.sock.request(routeRequest('delete', onLinkSpec(op, iface.index()), `removing route ${op.text}`)),
  };
}

/**
 * The default route via gw. Added if the family has none; otherwise the existing one is replaced
 * (pipework's behaviour) and remembered, so that an undo puts it back exactly.
 */
function defaultRouteStep(iface: GuestInterface, op: Extract<GuestOp, { op: 'default' }>): Step {
  const gw = op.gateway;
  const text = op.text;
  let replaced: Route | undefined;
  let added = false;
  const ours = () => ({ family: gw.family, gateway: gw.bytes, oif: iface.index() });
  return {
    what: op.what,
    where: 'guest',
    apply: () => {
      try {
        iface.sock.request(guestOpRequest(op, iface.index(), iface.label));
        added = true;
        return;
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw e;
      }
      replaced = defaultRoutes(iface.sock, gw.family, ` in ${iface.label}`)[0];
      iface.sock.request(routeRequest('replace', ours(), `replacing the default route with ${text}`));
    },
    undo: () => {
      if (added) {
        iface.sock.request(routeRequest('delete', ours(), `removing route ${text}`));
      } else if (replaced) {
        const r = replaced;
        iface.sock.request(
          routeRequest(
            'replace',
            { family: r.family, gateway: r.gateway, oif: r.oif, metric: r.priority, protocol: r.protocol, table: r.table, scope: r.scope },
            'restoring the previous default route',
          ),
        );
      }
    },
  };
}
