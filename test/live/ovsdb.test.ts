// The OVSDB client (src/ovs) against a real ovsdb-server and ovs-vswitchd (userspace datapath), started
// here inside a test netns with a private database and socket under a temporary folder, and stopped by
// PID at the end. ovs-vsctl, pointed at the same socket, is the independent oracle for what the database
// holds; ip and ping are the oracle for the datapath.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { createNetns, run, succeeds, ipj, ipn } from '../helpers/netns.js';
import { pingWithin, waitOperUp } from '../kernel/traffic.js';
import { brExists as ovsBrExists, missingOvs, type Ovs, startOvs, stopByPid, stopOvs, vsctl as ovsVsctl, vsctlList as ovsVsctlList } from '../helpers/ovs.js';
import { JsonStreamSplitter, JsonRpcConnectionError, JsonRpcTimeoutError } from '../../src/ovs/jsonrpc.js';
import {
  NotAppliedError,
  OvsdbClient,
  OvsdbError,
  DEFAULT_OVSDB_SOCKET,
  map,
  mapObject,
  optionalInteger,
  parseOvsdbRemote,
  setAtoms,
} from '../../src/ovs/ovsdb.js';
import { ConflictError, InputError } from '../../src/util/errors.js';

// ---------------------------------------------------------------------------------------------
// Pure parts: no server needed

test('JSON stream splitter: back-to-back messages, split at every byte', (t) => {
  const msgs = [
    { id: 1, result: [{ rows: [{ name: 'br{0}', ext: ['map', [['k"}', 'v\\']]] }] }], error: null },
    { method: 'echo', params: [], id: 'echo' },
    [1, [2, [3]], '"]'],
    { s: 'caf\u00e9 \u{1F600} \\"}{' },
  ];
  const stream = Buffer.from(msgs.map((m) => JSON.stringify(m)).join(' \n\t'), 'utf8');
  for (let cut = 0; cut <= stream.length; cut++) {
    const s = new JsonStreamSplitter();
    const texts = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
    t.deepEqual(texts.map((x) => JSON.parse(x)), msgs, `cut at byte ${cut}`);
    t.false(s.pending);
  }
  // one byte at a time, multi-byte UTF-8 characters included
  const s = new JsonStreamSplitter();
  const texts: string[] = [];
  for (const b of stream) texts.push(...s.push(Buffer.from([b])));
  t.deepEqual(texts.map((x) => JSON.parse(x)), msgs);
});

test('JSON stream splitter: an unfinished message is kept, garbage between messages throws', (t) => {
  const s = new JsonStreamSplitter();
  t.deepEqual(s.push('{"a": [1, 2'), []);
  t.true(s.pending);
  t.deepEqual(s.push('], "b": "}"}{'), ['{"a": [1, 2], "b": "}"}']);
  t.true(s.pending);
  t.throws(() => new JsonStreamSplitter().push('{} x'), { instanceOf: SyntaxError, message: /unexpected "x"/ });
});

test('OVSDB value helpers: sets, maps, optional integers, --ovsdb remotes', (t) => {
  t.deepEqual(setAtoms(['set', []]), []);
  t.deepEqual(setAtoms(['uuid', 'u1']), [['uuid', 'u1']]);
  t.deepEqual(setAtoms(['set', [['uuid', 'u1'], ['uuid', 'u2']]]), [['uuid', 'u1'], ['uuid', 'u2']]);
  t.is(optionalInteger(['set', []]), undefined);
  t.is(optionalInteger(7), 7);
  t.deepEqual(map({ b: '2', a: '1' }), ['map', [['a', '1'], ['b', '2']]]);
  t.deepEqual(mapObject(['map', [['pipework.vlan', '7']]]), { 'pipework.vlan': '7' });
  t.throws(() => mapObject(['set', []]), { instanceOf: TypeError });
  t.is(parseOvsdbRemote('unix:/run/x/db.sock'), '/run/x/db.sock');
  t.is(parseOvsdbRemote('/run/x/db.sock'), '/run/x/db.sock');
  t.throws(() => parseOvsdbRemote('tcp:127.0.0.1:6640'), { instanceOf: InputError, message: /only unix:PATH/ });
  t.throws(() => parseOvsdbRemote('db.sock'), { instanceOf: InputError });
  t.is(DEFAULT_OVSDB_SOCKET, '/var/run/openvswitch/db.sock');
});

test('connecting to a socket nobody listens on fails with the path and the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-ovs-none-'));
  try {
    const e = await t.throwsAsync(OvsdbClient.connect({ socket: join(dir, 'db.sock') }), { instanceOf: JsonRpcConnectionError });
    t.is(e?.code, 'ENOENT');
    t.regex(e?.message ?? '', new RegExp(`unix:${dir}/db.sock: cannot connect.*is the server running`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// A real ovsdb-server + ovs-vswitchd (netdev datapath) in a test netns

const skipReason = missingOvs();
let ovs: Ovs | undefined;
const vsctl = (...args: string[]) => ovsVsctl(ovs!, ...args);
const vsctlList = (table: string, record?: string, columns?: string[]) => ovsVsctlList(ovs!, table, record, columns);
const brExists = (name: string) => ovsBrExists(ovs!, name);

if (skipReason === undefined) {
  test.before('start ovsdb-server and ovs-vswitchd (netdev datapath) in a test netns', () => {
    ovs = startOvs();
  });
  test.after.always('stop ovs-vswitchd and ovsdb-server by PID, delete the netns and folder', async () => {
    if (ovs) await stopOvs(ovs);
  });
}

type Impl = (t: ExecutionContext, o: Ovs) => Promise<void>;
function liveTest(title: string, impl: Impl, opts: { serial?: boolean } = {}): void {
  if (skipReason !== undefined) {
    test.skip(`${title} [skipped: ${skipReason}]`, () => {});
    return;
  }
  (opts.serial ? test.serial : test)(title, async (t) => {
    if (!ovs) throw new Error('ovs was not started');
    await impl(t, ovs);
  });
}

async function client(t: ExecutionContext, o: Ovs, opts: { waitApplied?: boolean; timeoutMs?: number; socket?: string } = {}): Promise<OvsdbClient> {
  // ovs-vswitchd was seen not to apply its first configuration within 10 s while the rest of the suite
  // loaded both CPUs (cause not found): these tests are about the protocol, so they wait longer.
  const c = await OvsdbClient.connect({ socket: o.sock, applyTimeoutMs: 60_000, ...opts });
  t.teardown(() => c.close());
  return c;
}

liveTest('ensureBridge creates the bridge with its internal port in one go; again, it is found, not re-created', async (t, o) => {
  const c = await client(t, o);
  t.true(await c.vswitchdRunning(), 'the ovs-vswitchd of this file holds its lock');
  t.false(await c.bridgeExists('ovsbr-a'));
  t.teardown(() => c.deleteBridge('ovsbr-a', { waitApplied: false }).then(() => undefined));
  const first = await c.ensureBridge('ovsbr-a', { datapathType: 'netdev' });
  t.true(first.created);

  t.true(brExists('ovsbr-a'));
  t.is(vsctl('get', 'Bridge', 'ovsbr-a', 'datapath_type'), 'netdev');
  t.is(vsctl('get', 'Bridge', 'ovsbr-a', '_uuid'), first.uuid);
  t.is(vsctl('list-ports', 'ovsbr-a'), '');
  t.is(vsctl('get', 'Interface', 'ovsbr-a', 'type'), 'internal');
  t.is(vsctl('get', 'Bridge', 'ovsbr-a', 'ports'), `[${vsctl('get', 'Port', 'ovsbr-a', '_uuid')}]`);
  t.is(vsctl('get', 'Port', 'ovsbr-a', 'interfaces'), `[${vsctl('get', 'Interface', 'ovsbr-a', '_uuid')}]`);
  // ovs-vswitchd applied it before ensureBridge resolved: the bridge's own device is in its netns.
  const [dev] = ipj(o.ns, 'link', 'show', 'dev', 'ovsbr-a');
  t.is(dev.ifname, 'ovsbr-a');

  const again = await c.ensureBridge('ovsbr-a', { datapathType: 'netdev' });
  t.deepEqual(again, { uuid: first.uuid, created: false });
  t.true(await c.bridgeExists('ovsbr-a'));
  t.deepEqual(await c.listPorts('ovsbr-a'), []);
  t.deepEqual(vsctl('list-br').split('\n').filter((b) => b === 'ovsbr-a'), ['ovsbr-a']);
});

liveTest('ensureBridge from two connections at once: one creates, the other finds it', async (t, o) => {
  const c1 = await client(t, o);
  const c2 = await client(t, o);
  t.teardown(() => c1.deleteBridge('ovsbr-c', { waitApplied: false }).then(() => undefined));
  const results = await Promise.all([
    c1.ensureBridge('ovsbr-c', { datapathType: 'netdev' }),
    c2.ensureBridge('ovsbr-c', { datapathType: 'netdev' }),
    c2.ensureBridge('ovsbr-c', { datapathType: 'netdev' }),
  ]);
  t.is(results.filter((r) => r.created).length, 1, JSON.stringify(results));
  t.is(new Set(results.map((r) => r.uuid)).size, 1);
  t.deepEqual(vsctl('list-br').split('\n').filter((b) => b === 'ovsbr-c'), ['ovsbr-c']);
  t.is(vsctlList('Port', undefined, ['name']).filter((p) => p.name === 'ovsbr-c').length, 1);
});

liveTest('addPort: tag and pipework external_ids, as ovs-vsctl reads them; getPort and listPorts agree', async (t, o) => {
  const c = await client(t, o);
  t.teardown(() => c.deleteBridge('ovsbr-p', { waitApplied: false }).then(() => undefined));
  await c.ensureBridge('ovsbr-p', { datapathType: 'netdev' });
  ipn(o.ns, 'link', 'add', 'pwp1', 'type', 'veth', 'peer', 'name', 'pwp1g');
  ipn(o.ns, 'link', 'add', 'pwp2', 'type', 'veth', 'peer', 'name', 'pwp2g');
  t.teardown(() => {
    ipn(o.ns, 'link', 'del', 'pwp1');
    ipn(o.ns, 'link', 'del', 'pwp2');
  });
  const ids = {
    'pipework.interface': 'eth1',
    'pipework.bridge': 'ovsbr-p',
    'pipework.containerid': '0123456789ab',
    'pipework.containername': 'web "1", {x=y}',
    'pipework.nspid': '4321',
    'pipework.vlan': '7',
  };
  const added = await c.addPort('ovsbr-p', 'pwp1', { tag: 7, externalIds: ids });
  t.true(added.created);
  await c.addPort('ovsbr-p', 'pwp2');

  t.deepEqual(vsctl('list-ports', 'ovsbr-p').split('\n'), ['pwp1', 'pwp2']);
  t.is(vsctl('port-to-br', 'pwp1'), 'ovsbr-p');
  const [p1] = vsctlList('Port', 'pwp1', ['_uuid', 'name', 'tag', 'external_ids']);
  t.deepEqual(p1._uuid, ['uuid', added.uuid]);
  t.is(p1.tag, 7);
  t.deepEqual(mapObject(p1.external_ids as never), ids);
  const [p2] = vsctlList('Port', 'pwp2', ['tag', 'external_ids']);
  t.deepEqual(p2.tag, ['set', []]);
  t.deepEqual(p2.external_ids, ['map', []]);
  // One interface of the port's name, a system device (type "").
  const [i1] = vsctlList('Interface', 'pwp1', ['name', 'type', 'ofport']);
  t.is(i1.type, '');
  // ovs-vswitchd attached the veth: it has an OpenFlow port number.
  t.true(typeof i1.ofport === 'number' && i1.ofport > 0, `ofport ${JSON.stringify(i1.ofport)}`);

  const got = await c.getPort('pwp1');
  t.like(got, { uuid: added.uuid, name: 'pwp1', bridge: 'ovsbr-p', tag: 7, externalIds: ids });
  t.is(got?.interfaces.length, 1);
  const got2 = await c.getPort('pwp2');
  t.is(got2?.tag, undefined);
  t.deepEqual(got2?.externalIds, {});
  t.is(await c.getPort('pw-nope'), undefined);
  t.deepEqual((await c.listPorts('ovsbr-p')).map((p) => [p.name, p.tag]), [['pwp1', 7], ['pwp2', undefined]]);
});

liveTest('addPort refuses duplicates, unknown bridges and bad tags; mayExist tolerates its own port', async (t, o) => {
  const c = await client(t, o, { waitApplied: false });
  t.teardown(() => c.deleteBridge('ovsbr-e', { waitApplied: false }).then(() => undefined));
  t.teardown(() => c.deleteBridge('ovsbr-f', { waitApplied: false }).then(() => undefined));
  await c.ensureBridge('ovsbr-e', { datapathType: 'netdev' });
  await c.ensureBridge('ovsbr-f', { datapathType: 'netdev' });
  const first = await c.addPort('ovsbr-e', 'pwe1', { tag: 5 });

  await t.throwsAsync(c.addPort('ovsbr-e', 'pwe1', { tag: 6 }), { instanceOf: ConflictError, message: /pwe1 already exists on bridge ovsbr-e/ });
  await t.throwsAsync(c.addPort('ovsbr-f', 'pwe1'), { instanceOf: ConflictError, message: /on bridge ovsbr-e/ });
  t.deepEqual(await c.addPort('ovsbr-e', 'pwe1', { mayExist: true }), { name: 'pwe1', uuid: first.uuid, created: false });
  await t.throwsAsync(c.addPort('ovsbr-f', 'pwe1', { mayExist: true }), { instanceOf: ConflictError });
  // The port is unchanged by all this.
  t.is(vsctl('get', 'Port', 'pwe1', 'tag'), '5');
  t.is(vsctl('list-ports', 'ovsbr-f'), '');

  const e = await t.throwsAsync(c.addPort('ovsbr-none', 'pwe2'), { instanceOf: OvsdbError, message: /adding port pwe2 to bridge ovsbr-none: no such bridge/ });
  t.regex(e?.message ?? '', new RegExp(`unix:${o.sock}`));
  await t.throwsAsync(c.addPort('ovsbr-e', 'pwe3', { tag: 4096 }), { instanceOf: InputError, message: /invalid VLAN tag 4096/ });
  t.is(vsctlList('Port', undefined, ['name']).filter((p) => p.name === 'pwe2' || p.name === 'pwe3').length, 0);
  // Nothing half-done: no Interface rows left by the failed transactions either.
  t.is(vsctlList('Interface', undefined, ['name']).filter((p) => p.name === 'pwe2' || p.name === 'pwe3').length, 0);
});

liveTest('addPorts with createBridge: a missing bridge and its ports in one transaction, all or nothing', async (t, o) => {
  const c = await client(t, o);
  t.teardown(() => c.deleteBridge('ovsbr-n', { waitApplied: false }).then(() => undefined));
  t.teardown(() => c.deleteBridge('ovsbr-m', { waitApplied: false }).then(() => undefined));
  await c.ensureBridge('ovsbr-m', { datapathType: 'netdev' });
  await c.addPort('ovsbr-m', 'pwm1');

  // One name is taken (on another bridge): nothing happens, not even the bridge.
  await t.throwsAsync(
    c.addPorts('ovsbr-n', [{ name: 'pwn1' }, { name: 'pwm1' }], { createBridge: { datapathType: 'netdev' } }),
    { instanceOf: ConflictError, message: /pwm1 already exists on bridge ovsbr-m/ },
  );
  t.false(brExists('ovsbr-n'));
  t.deepEqual(vsctlList('Port', undefined, ['name']).filter((p) => p.name === 'pwn1'), []);
  await t.throwsAsync(c.addPorts('ovsbr-n', [{ name: 'pwn1' }, { name: 'pwn1' }]), { instanceOf: InputError, message: /given twice/ });
  await t.throwsAsync(c.addPorts('ovsbr-n', [{ name: 'pwn1' }]), { instanceOf: OvsdbError, message: /no such bridge/ });

  const added = await c.addPorts(
    'ovsbr-n',
    [
      { name: 'pwn1', tag: 11, externalIds: { 'pipework.interface': 'eth1' } },
      { name: 'pwn2', tag: 12, interfaceType: 'internal' },
    ],
    { createBridge: { datapathType: 'netdev', externalIds: { 'pipework.created': 'yes' } } },
  );
  t.deepEqual(added.map((a) => [a.name, a.created]), [['pwn1', true], ['pwn2', true]]);
  t.is(vsctl('get', 'Bridge', 'ovsbr-n', 'datapath_type'), 'netdev');
  t.is(vsctl('get', 'Bridge', 'ovsbr-n', 'external_ids:pipework.created'), 'yes');
  t.deepEqual(vsctl('list-ports', 'ovsbr-n').split('\n'), ['pwn1', 'pwn2']);
  t.is(vsctl('get', 'Port', 'pwn1', '_uuid'), added[0].uuid);
  t.is(vsctl('get', 'Port', 'pwn2', '_uuid'), added[1].uuid);
  t.is(vsctl('get', 'Port', 'pwn1', 'tag'), '11');
  t.is(vsctl('get', 'Port', 'pwn2', 'tag'), '12');
  t.is(vsctl('get', 'Interface', 'pwn2', 'type'), 'internal');
  // ovs-vswitchd has applied it: the internal port's device exists in its netns.
  t.is(ipj(o.ns, 'link', 'show', 'dev', 'pwn2')[0].ifname, 'pwn2');

  // Again with mayExist, plus one new port: only that one is created, on the existing bridge.
  const again = await c.addPorts('ovsbr-n', [{ name: 'pwn1' }, { name: 'pwn3' }], { mayExist: true, createBridge: true });
  t.deepEqual(again.map((a) => [a.name, a.created]), [['pwn1', false], ['pwn3', true]]);
  t.is(again[0].uuid, added[0].uuid);
  t.deepEqual(vsctl('list-ports', 'ovsbr-n').split('\n'), ['pwn1', 'pwn2', 'pwn3']);

  // deletePorts: all in one go, a port of another bridge among them means nothing is deleted.
  await t.throwsAsync(c.deletePorts('ovsbr-n', ['pwn1', 'pwm1']), { instanceOf: ConflictError, message: /port pwm1 is on bridge ovsbr-m/ });
  t.deepEqual(vsctl('list-ports', 'ovsbr-n').split('\n'), ['pwn1', 'pwn2', 'pwn3']);
  t.deepEqual(await c.deletePorts('ovsbr-n', ['pwn1', 'pw-none', 'pwn3']), [true, false, true]);
  t.is(vsctl('list-ports', 'ovsbr-n'), 'pwn2');
});

liveTest('a database nobody applies: the wait for ovs-vswitchd fails clearly; an uninitialized one is refused', async (t, o) => {
  // A second ovsdb-server of our own, without ovs-vswitchd, first with an empty database.
  const dir = mkdtempSync(join(o.dir, 'bare-'));
  const sock = join(dir, 'db.sock');
  const env = { OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  run('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], { env });
  t.teardown(() => stopByPid(join(dir, 'ovsdb.pid')));
  run('ovsdb-server', [join(dir, 'conf.db'), `--remote=punix:${sock}`, `--pidfile=${join(dir, 'ovsdb.pid')}`, '--detach',
    `--log-file=${join(dir, 'ovsdb.log')}`], { env });
  const c = await OvsdbClient.connect({ socket: sock, applyTimeoutMs: 300 });
  t.teardown(() => c.close());

  await t.throwsAsync(c.ensureBridge('ovsbr-u'), { instanceOf: OvsdbError, message: /creating bridge ovsbr-u: database not initialized/ });
  await t.throwsAsync(c.addPorts('ovsbr-u', [{ name: 'pwu1' }], { createBridge: true }), { instanceOf: OvsdbError, message: /database not initialized/ });
  const bare = (...args: string[]) => run('ovs-vsctl', [`--db=unix:${sock}`, '--no-wait', ...args], { env }).trim();
  t.is(bare('list-br'), '');

  bare('init');
  // No ovs-vswitchd holds its lock on this database: the client says so at once, after the commit.
  t.false(await c.vswitchdRunning());
  const e = await t.throwsAsync(c.ensureBridge('ovsbr-u'), { instanceOf: NotAppliedError, message: /not applied: ovs-vswitchd is not running \(nobody holds its lock on this database\); the change is in the database/ });
  t.regex(e?.message ?? '', /creating bridge ovsbr-u/);
  t.is(bare('list-br'), 'ovsbr-u', 'the change itself is committed');
  // Without waiting, the same client works against this database.
  t.true((await c.addPort('ovsbr-u', 'pwu1', { tag: 3, waitApplied: false })).created);
  t.is(bare('get', 'Port', 'pwu1', 'tag'), '3');
});

liveTest('deletePort and deleteBridge are idempotent and take interfaces and ports with them', async (t, o) => {
  const c = await client(t, o, { waitApplied: false });
  t.teardown(() => c.deleteBridge('ovsbr-d', { waitApplied: false }).then(() => undefined));
  t.teardown(() => c.deleteBridge('ovsbr-g', { waitApplied: false }).then(() => undefined));
  await c.ensureBridge('ovsbr-d', { datapathType: 'netdev' });
  await c.ensureBridge('ovsbr-g', { datapathType: 'netdev' });
  await c.addPort('ovsbr-d', 'pwd1', { tag: 9, externalIds: { 'pipework.interface': 'eth1' } });
  await c.addPort('ovsbr-d', 'pwd2');
  await c.addPort('ovsbr-g', 'pwg1');

  await t.throwsAsync(c.deletePort('ovsbr-d', 'pwg1'), { instanceOf: ConflictError, message: /port pwg1 is on bridge ovsbr-g/ });
  t.true(await c.deletePort('ovsbr-d', 'pwd1'));
  t.false(await c.deletePort('ovsbr-d', 'pwd1'));
  t.false(await c.deletePort('ovsbr-none', 'pwd1'));
  t.is(vsctl('list-ports', 'ovsbr-d'), 'pwd2');
  t.deepEqual(vsctlList('Port', undefined, ['name']).filter((p) => p.name === 'pwd1'), []);
  t.deepEqual(vsctlList('Interface', undefined, ['name']).filter((p) => p.name === 'pwd1'), []);

  t.true(await c.deleteBridge('ovsbr-d'));
  t.false(await c.deleteBridge('ovsbr-d'));
  t.false(brExists('ovsbr-d'));
  t.true(brExists('ovsbr-g'));
  const left = vsctlList('Port', undefined, ['name']).map((p) => p.name);
  t.false(left.includes('pwd2'));
  t.false(left.includes('ovsbr-d'));
  t.true(left.includes('pwg1'));
  await t.throwsAsync(c.listPorts('ovsbr-d'), { instanceOf: OvsdbError, message: /no such bridge/ });
});

liveTest('transact: a failing operation is named in the error; nothing of the transaction is committed', async (t, o) => {
  const c = await client(t, o, { waitApplied: false });
  const e = await t.throwsAsync(
    c.transact([
      { op: 'insert', table: 'Bridge', row: { name: 'ovsbr-x' }, 'uuid-name': 'b' },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['named-uuid', 'b']]]]] },
      { op: 'select', table: 'NoSuchTable', where: [] },
    ], 'testing'),
    { instanceOf: OvsdbError },
  );
  t.is(e?.opIndex, 2);
  t.regex(e?.message ?? '', /testing: .*(unknown table|syntax error).*operation 2: select NoSuchTable/);
  t.false(brExists('ovsbr-x'));
  t.deepEqual(vsctlList('Bridge', undefined, ['name']).filter((b) => b.name === 'ovsbr-x'), []);
  // The same transaction without the failing operation commits: the failure above was that operation.
  t.teardown(() => c.deleteBridge('ovsbr-x', { waitApplied: false }).then(() => undefined));
  await c.transact([
    { op: 'insert', table: 'Bridge', row: { name: 'ovsbr-x', datapath_type: 'netdev' }, 'uuid-name': 'b' },
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['named-uuid', 'b']]]]] },
  ]);
  t.true(brExists('ovsbr-x'));
});

liveTest('a request the server holds longer than the timeout rejects with a timeout error', async (t, o) => {
  const c = await client(t, o, { timeoutMs: 300, waitApplied: false });
  const started = Date.now();
  // "wait" blocks the transaction server-side until a bridge named pw-never exists (or 10 s).
  await t.throwsAsync(
    c.transact([{ op: 'wait', table: 'Bridge', where: [['name', '==', 'pw-never']], columns: ['name'], until: '!=', rows: [], timeout: 10_000 }]),
    { instanceOf: JsonRpcTimeoutError, message: /no answer to transact within 300 ms/ },
  );
  t.true(Date.now() - started < 5000);
});

liveTest('the client answers the server\'s echo probes (a silent client is dropped)', async (t, o) => {
  // Control: a raw connection that never answers is closed by the server after its probes go unanswered.
  const closed = await new Promise<number>((resolve, reject) => {
    const s = connect({ path: o.probeSock });
    const start = Date.now();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('the server never dropped a silent client'));
    }, 10_000);
    s.on('error', () => {});
    s.on('data', () => {}); // read (and ignore) the echo requests, so that the server's close is seen
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
  t.log(`silent client dropped after ${closed} ms`);

  const c = await client(t, o, { socket: o.probeSock, waitApplied: false });
  let echoes = 0;
  c.connection.on('echo', () => echoes++);
  let closedWith = '';
  c.connection.on('close', (e) => (closedWith = String(e)));
  await new Promise((r) => setTimeout(r, closed + 1500));
  t.false(c.connection.closed, `connection closed: ${closedWith}`);
  t.true(echoes >= 2, `${echoes} echo requests answered`);
  t.log(`${echoes} echo requests answered in ${closed + 1500} ms`);
  t.deepEqual(await c.listDbs(), ['Open_vSwitch', '_Server']);
  // Serial: the other tests block this process's event loop with synchronous ping/ip/ovs-vsctl runs,
  // and a client that cannot read its socket for 2 s cannot answer the probes either.
}, { serial: true });

liveTest('guests on the OVS bridge: same tag pings, other tag does not, deleted port stops traffic', async (t, o) => {
  const c = await client(t, o);
  t.teardown(() => c.deleteBridge('ovsbr-t', { waitApplied: false }).then(() => undefined));
  await c.ensureBridge('ovsbr-t', { datapathType: 'netdev' });
  const guests = [
    { host: 'pwt1', tag: 7, addr: '10.78.0.1' },
    { host: 'pwt2', tag: 7, addr: '10.78.0.2' },
    { host: 'pwt3', tag: 8, addr: '10.78.0.3' },
  ].map((g) => ({ ...g, ns: createNetns(t, g.host) }));
  for (const g of guests) {
    run('ip', ['-n', o.ns, 'link', 'add', g.host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g.ns]);
    ipn(o.ns, 'link', 'set', g.host, 'up');
    ipn(g.ns, 'address', 'add', `${g.addr}/24`, 'dev', 'eth0');
    ipn(g.ns, 'link', 'set', 'eth0', 'up');
    await c.addPort('ovsbr-t', g.host, {
      tag: g.tag,
      externalIds: { 'pipework.interface': 'eth0', 'pipework.bridge': 'ovsbr-t', 'pipework.vlan': String(g.tag) },
    });
  }
  t.teardown(() => {
    for (const g of guests) if (succeeds('ip', ['-n', o.ns, 'link', 'show', g.host])) ipn(o.ns, 'link', 'del', g.host);
  });
  t.deepEqual(vsctl('list-ports', 'ovsbr-t').split('\n'), ['pwt1', 'pwt2', 'pwt3']);
  t.deepEqual(guests.map((g) => vsctl('get', 'Port', g.host, 'tag')), ['7', '7', '8']);

  t.true(pingWithin(guests[0].ns, '10.78.0.2', 10), 'tag 7 -> tag 7 over the OVS bridge');
  for (const g of guests) await waitOperUp(g.ns, ['eth0']);
  t.false(pingWithin(guests[0].ns, '10.78.0.3', 2), 'tag 7 must not reach tag 8');

  t.true(await c.deletePort('ovsbr-t', 'pwt2'));
  t.false(pingWithin(guests[0].ns, '10.78.0.2', 2), 'no traffic once the port is deleted');
  t.is(vsctl('list-ports', 'ovsbr-t'), 'pwt1\npwt3');
});
