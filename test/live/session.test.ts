// The netlink session against the real kernel, inside fresh namespaces: gets, a batch in which
// one request fails (errno, code and the kernel's extended-ack text on that request only), and
// dumps decoded and checked against iproute2.
import test, { type ExecutionContext } from 'ava';
import {
  AF_INET, AF_UNSPEC, IFF_LOOPBACK, IFF_UP, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, NLM_F_CREATE, NLM_F_EXCL, RTM_GETADDR,
  RTM_GETLINK, RTM_GETROUTE, RTM_NEWLINK, RT_TABLE_MAIN, RTNLGRP_LINK,
} from '../../src/netlink/constants.js';
import { KernelError } from '../../src/netlink/errors.js';
import { decodeAddress, ifaddrmsg } from '../../src/netlink/rtnl/address.js';
import { decodeLink, ifinfomsg } from '../../src/netlink/rtnl/link.js';
import { decodeRoute, rtmsg } from '../../src/netlink/rtnl/route.js';
import { NetlinkSocket } from '../../src/netlink/session.js';
import { pollReadable } from '../../native/libc.js';
import { inNetns } from '../../src/netns/enter.js';
import { Netns } from '../../src/netns/netns.js';
import { formatIp } from '../../src/util/ip.js';
import { createNetns, ipj, ipn, succeeds, vethBetween } from '../helpers/netns.js';

const ARPHRD_LOOPBACK = 772; // linux/if_arp.h

/** A fresh netns and a netlink socket opened inside it. */
function socketIn(t: ExecutionContext, hint: string): { ns: string; sock: NetlinkSocket } {
  const ns = createNetns(t, hint);
  const handle = Netns.byName(ns);
  t.teardown(() => handle.close());
  const sock = inNetns(handle, () => NetlinkSocket.open());
  t.teardown(() => sock.close());
  return { ns, sock };
}

const getLink = (name: string) => ({ type: RTM_GETLINK, message: ifinfomsg().attrString(IFLA_IFNAME, name).finish(), what: `getting link ${name}` });
const newLink = (name: string, kind: string) => ({
  type: RTM_NEWLINK,
  flags: NLM_F_CREATE | NLM_F_EXCL,
  message: ifinfomsg().attrString(IFLA_IFNAME, name).nest(IFLA_LINKINFO, (w) => w.attrString(IFLA_INFO_KIND, kind)).finish(),
  what: `creating ${kind} ${name}`,
});

test('RTM_GETLINK for lo, inside the namespace the socket was opened in', (t) => {
  const { ns, sock } = socketIn(t, 'get');
  const replies = sock.request(getLink('lo'));
  t.is(replies.length, 1);
  t.is(replies[0].type, RTM_NEWLINK);
  const lo = decodeLink(replies[0]);
  const [oracle] = ipj(ns, 'link', 'show', 'lo');
  t.is(lo.name, 'lo');
  t.is(lo.index, oracle.ifindex);
  t.is(lo.type, ARPHRD_LOOPBACK);
  t.is(lo.mtu, oracle.mtu);
  t.is(lo.mac, '00:00:00:00:00:00');
  t.is(lo.flags & (IFF_UP | IFF_LOOPBACK), IFF_UP | IFF_LOOPBACK, 'the helper brought lo up');

  // A link that exists only in this namespace proves where the socket is.
  ipn(ns, 'link', 'add', 'only-here0', 'type', 'bridge');
  t.is(decodeLink(sock.request(getLink('only-here0'))[0]).kind, 'bridge');
  t.false(succeeds('ip', ['link', 'show', 'only-here0']), 'not in our own namespace');
});

test('RTM_GETLINK for a missing link: KernelError ENODEV naming the operation', (t) => {
  const { sock } = socketIn(t, 'enodev');
  const e = t.throws(() => sock.request(getLink('nosuch0')), { instanceOf: KernelError });
  t.is(e!.code, 'ENODEV');
  t.is(e!.errno, 19);
  t.is(e!.operation, 'getting link nosuch0');
  t.regex(e!.message, /^getting link nosuch0: No such device \(ENODEV\)/);
});

test('a batch where one request fails: that one carries errno, code and extack, the others succeed', (t) => {
  const { ns, sock } = socketIn(t, 'batch');
  const outcomes = sock.batch([
    newLink('br-a', 'bridge'),
    newLink('bogus0', 'nonexistentkind'),
    getLink('lo'),
    newLink('br-b', 'bridge'),
    newLink('br-a', 'bridge'), // exists by now
  ]);
  t.is(outcomes.length, 5);

  t.is(outcomes[0].error, undefined);
  t.deepEqual(outcomes[0].replies, []);

  const bad = outcomes[1].error;
  t.true(bad instanceof KernelError);
  t.is(bad!.errno, 95);
  t.is(bad!.code, 'EOPNOTSUPP');
  t.is(bad!.extack, 'Unknown device type', "the kernel's extended-ack text");
  t.is(bad!.operation, 'creating nonexistentkind bogus0');
  t.is(bad!.message, 'creating nonexistentkind bogus0: Operation not supported (EOPNOTSUPP): Unknown device type');

  t.is(outcomes[2].error, undefined);
  t.is(outcomes[2].replies.length, 1);
  t.is(decodeLink(outcomes[2].replies[0]).name, 'lo');

  t.is(outcomes[3].error, undefined);
  t.is(outcomes[4].error?.code, 'EEXIST');

  const names = ipj(ns, 'link', 'show').map((l: { ifname: string }) => l.ifname).sort();
  t.deepEqual(names, ['br-a', 'br-b', 'lo']);
  t.throws(() => sock.batchOrThrow([getLink('lo'), newLink('x0', 'nonexistentkind')]), { instanceOf: KernelError, message: /Unknown device type/ });
});

test('a batch larger than one send: every request gets its own answer, in order', (t) => {
  const { ns, sock } = socketIn(t, 'big');
  const reqs = [];
  for (let i = 0; i < 700; i++) {
    reqs.push({
      type: RTM_NEWLINK,
      flags: NLM_F_CREATE | NLM_F_EXCL,
      message: ifinfomsg().attrString(IFLA_IFNAME, `b${i}`).attrU32(IFLA_MTU, i % 7 === 0 ? 70000 : 1500).nest(IFLA_LINKINFO, (w) => w.attrString(IFLA_INFO_KIND, 'bridge')).finish(),
      what: `bridge b${i}`,
    });
  }
  const outcomes = sock.batch(reqs);
  const failed = outcomes.map((o, i) => (o.error ? i : -1)).filter((i) => i >= 0);
  t.deepEqual(failed, reqs.map((_, i) => i).filter((i) => i % 7 === 0), 'exactly the requests with an impossible MTU failed');
  t.is(outcomes[7].error!.code, 'EINVAL');
  t.is(outcomes[7].error!.operation, 'bridge b7');
  t.is(ipj(ns, 'link', 'show').length, 1 + 700 - failed.length);
});

test('a dump of links matches ip -d link, link by link', (t) => {
  const { ns, sock } = socketIn(t, 'dump');
  const peer = createNetns(t, 'peer');
  ipn(ns, 'link', 'add', 'br0', 'mtu', '1400', 'type', 'bridge');
  vethBetween(ns, 'v-in', ns, 'v-out', { up: false });
  vethBetween(ns, 'v-far', peer, 'v-peer');
  ipn(ns, 'link', 'set', 'v-in', 'master', 'br0');
  ipn(ns, 'link', 'set', 'br0', 'address', '02:00:00:00:00:42');

  const links = sock.dump({ type: RTM_GETLINK, message: ifinfomsg().finish(), what: 'dumping links' }).map(decodeLink);
  const oracle = ipj(ns, '-d', 'link', 'show');
  t.is(links.length, oracle.length);
  t.deepEqual(
    links.map((l) => ({ index: l.index, name: l.name, mtu: l.mtu, mac: l.mac, kind: l.kind, slaveKind: l.slaveKind, up: (l.flags & IFF_UP) !== 0 })).sort((a, b) => a.index - b.index),
    oracle
      .map((l: { ifindex: number; ifname: string; mtu: number; address: string; flags: string[]; linkinfo?: { info_kind?: string; info_slave_kind?: string } }) => ({
        index: l.ifindex,
        name: l.ifname,
        mtu: l.mtu,
        mac: l.address,
        kind: l.linkinfo?.info_kind,
        slaveKind: l.linkinfo?.info_slave_kind,
        up: l.flags.includes('UP'),
      }))
      .sort((a: { index: number }, b: { index: number }) => a.index - b.index),
  );
  const byName = new Map(links.map((l) => [l.name, l]));
  t.is(byName.get('v-in')!.master, byName.get('br0')!.index);
  t.is(byName.get('v-in')!.link, byName.get('v-out')!.index, 'veth peer index in IFLA_LINK');
  t.is(byName.get('v-in')!.linkNetnsId, undefined, 'same namespace: no netns id');
  t.is(typeof byName.get('v-far')!.linkNetnsId, 'number', 'peer in another namespace: a netns id');
  t.is(byName.get('br0')!.mac, '02:00:00:00:00:42');
});

test('dumps of addresses and routes decode what ip shows', (t) => {
  const { ns, sock } = socketIn(t, 'addr');
  ipn(ns, 'link', 'add', 'br0', 'type', 'bridge');
  ipn(ns, 'link', 'set', 'br0', 'up');
  ipn(ns, 'address', 'add', '10.7.0.1/24', 'dev', 'br0');
  ipn(ns, 'address', 'add', '10.7.0.2/24', 'dev', 'br0');
  ipn(ns, 'address', 'add', 'fd07::1/64', 'dev', 'br0', 'nodad');
  ipn(ns, 'route', 'add', '10.8.0.0/16', 'via', '10.7.0.254', 'metric', '5');

  const names = new Map(ipj(ns, 'link', 'show').map((l: { ifindex: number; ifname: string }) => [l.ifindex, l.ifname]));
  const addrs = sock
    .dump({ type: RTM_GETADDR, message: ifaddrmsg({ af: AF_UNSPEC, prefix: 0, index: 0 }).finish(), what: 'dumping addresses' })
    .map(decodeAddress)
    .filter((a) => a !== undefined)
    .map((a) => `${names.get(a.index)} ${formatIp(a.local)}/${a.prefix}`)
    .sort();
  const expected = ipj(ns, 'address', 'show')
    .flatMap((l: { ifname: string; addr_info: { local: string; prefixlen: number }[] }) => l.addr_info.map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`))
    .sort();
  t.deepEqual(addrs, expected);
  t.true(addrs.includes('br0 10.7.0.2/24'));

  const routes = sock.dump({ type: RTM_GETROUTE, message: rtmsg({ af: AF_INET }).finish(), what: 'dumping routes' }).map(decodeRoute);
  const via = routes.find((r) => r && r.table === RT_TABLE_MAIN && r.dst && formatIp(r.dst) === '10.8.0.0');
  t.truthy(via);
  t.is(via!.dstLen, 16);
  t.is(formatIp(via!.gateway!), '10.7.0.254');
  t.is(via!.priority, 5);
  t.is(names.get(via!.oif!), 'br0');
  const mainCount = ipj(ns, '-4', 'route', 'show', 'table', 'main').length;
  t.is(routes.filter((r) => r?.table === RT_TABLE_MAIN).length, mainCount);
});

test('a socket that joins multicast groups hears the kernel\'s notifications without ever sending', (t) => {
  const ns = createNetns(t, 'ev');
  const handle = Netns.byName(ns);
  t.teardown(() => handle.close());
  const events = inNetns(handle, () => NetlinkSocket.open({ groups: [RTNLGRP_LINK] }));
  t.teardown(() => events.close());
  ipn(ns, 'link', 'add', 'ev0', 'type', 'veth', 'peer', 'name', 'ev1');
  // Another process made the change: the event is queued once `ip` has exited. The poll bound is
  // a safety net against a hang, not a measurement.
  t.true(pollReadable(events.fd, 5000), 'an RTM_NEWLINK notification is queued');
  const names: string[] = [];
  for (let batch = events.receiveNow(); batch.length; batch = events.receiveNow()) {
    for (const m of batch) if (m.type === RTM_NEWLINK) names.push(decodeLink(m).name ?? '');
  }
  t.true(names.includes('ev0') || names.includes('ev1'), `notified links: ${names.join(', ')}`);
});
