// Open vSwitch bridges wired through the OVS database (no ovs-vsctl in the product), against a real
// ovsdb-server and ovs-vswitchd with the userspace datapath in a test netns. ovs-vsctl is the oracle.
import test, { type ExecutionContext } from 'ava';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { missingOvs, type Ovs, startOvs, startVswitchd, stopOvs, stopVswitchd, vsctl, vsctlList, vswitchdPid } from '../helpers/ovs.js';
import { ConflictError, StepFailedError } from '../../src/index.js';
import { createNetns, ipj, run, settledSnapshot, snapshot } from '../helpers/netns.js';
import { pingWithin, waitOperUp } from '../kernel/traffic.js';

const skipReason = missingOvs();
let ovs: Ovs | undefined;
if (skipReason === undefined) {
  test.before('start ovsdb-server and ovs-vswitchd (userspace datapath) in a test netns', () => {
    ovs = startOvs();
  });
  test.after.always('stop them', async () => {
    if (ovs) await stopOvs(ovs);
  });
}
// One OVS for the file, so the tests share its namespace as the host side: run them one at a time.
const ovsTest = (title: string, impl: (t: ExecutionContext, o: Ovs) => Promise<void>) =>
  skipReason === undefined ? test.serial(title, (t) => impl(t, ovs!)) : test.skip(`${title} [skipped: ${skipReason}]`, () => {});

const session = (o: Ovs) => new Pipework({ hostNetns: o.ns, ovsdb: `unix:${o.sock}`, ovsDatapath: 'netdev' });
const externalIds = (o: Ovs, port: string) => Object.fromEntries((vsctlList(o, 'Port', port, ['external_ids'])[0].external_ids as [string, [string, string][]])[1]);

ovsTest('guests on a new ovs* bridge with access tags: 7 talks to 7, not to 8; tags and external_ids in OVSDB', async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const [a, b, c] = [createNetns(t, 'a'), createNetns(t, 'b'), createNetns(t, 'c')];
  const ra = await pw.wire({ host: 'ovsbr1', guest: a, addresses: '10.90.0.2/24', vlan: 7 });
  const rb = await pw.wire({ host: 'ovsbr1', guest: b, addresses: '10.90.0.3/24', vlan: 7 });
  const rc = await pw.wire({ host: 'ovsbr1', guest: c, addresses: '10.90.0.4/24', vlan: 8 });
  t.is(ra.kind, 'ovs');
  t.is(vsctl(o, 'get', 'Bridge', 'ovsbr1', 'datapath_type'), 'netdev');
  t.deepEqual(vsctl(o, 'list-ports', 'ovsbr1').split('\n').sort(), [ra.hostIfname, rb.hostIfname, rc.hostIfname].sort());
  t.is(vsctl(o, 'get', 'Port', ra.hostIfname!, 'tag'), '7');
  t.like(externalIds(o, ra.hostIfname!), { 'pipework.interface': 'eth1', 'pipework.bridge': 'ovsbr1', 'pipework.containername': a, 'pipework.vlan': '7' });
  await waitOperUp(a, ['eth1']);
  t.true(pingWithin(a, '10.90.0.3'), 'tag 7 to tag 7');
  t.false(pingWithin(c, '10.90.0.2', 2), 'tag 8 cannot reach tag 7');
  t.false((await pw.wire({ host: 'ovsbr1', guest: a, addresses: '10.90.0.2/24', vlan: 7 })).changed, 'a re-run is a no-op');
  for (const g of [a, b, c]) await pw.unwire(g);
  t.is(vsctl(o, 'list-ports', 'ovsbr1'), '', 'del removed the ports from the database');
  vsctl(o, 'del-br', 'ovsbr1');
});

ovsTest('a failure at each step leaves namespaces and the OVS database as they were', async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const g = createNetns(t, 'g');
  const spec = { host: 'ovsbr2', guest: g, addresses: '10.91.0.2/24@10.91.0.1', vlan: 9 };
  const plan = await pw.wire(spec, { dryRun: true });
  t.regex(plan.steps.join('\n'), /create OVS bridge ovsbr2 .*and add .* with tag 9 \(one OVSDB transaction\)/);
  const state = () => ({ ns: snapshot(o.ns), g: snapshot(g), bridges: vsctl(o, 'list-br'), ports: vsctlList(o, 'Port').map((p) => p.name).sort() });
  const before = state();
  for (let i = 0; i < plan.steps.length; i++) {
    await t.throwsAsync(pw.wire(spec, { beforeStep: (n) => { if (n === i) throw new Error('injected'); } }));
    t.deepEqual(state(), before, `failure at step ${i}: ${plan.steps[i]}`);
  }
});

ovsTest('the CLI with --ovsdb: wire onto an existing OVS bridge, ls, del', async (t, o) => {
  vsctl(o, 'add-br', 'ovsbr3', '--', 'set', 'Bridge', 'ovsbr3', 'datapath_type=netdev');
  t.teardown(() => vsctl(o, '--if-exists', 'del-br', 'ovsbr3'));
  const g = createNetns(t, 'g');
  const args = ['--host-netns', o.ns, '--ovsdb', `unix:${o.sock}`];
  const r = await cli([...args, '--json', 'ovsbr3', g, '10.92.0.2/24']);
  t.is(r.code, 0, r.stderr);
  const port = JSON.parse(r.stdout).hostIfname as string;
  t.is(vsctl(o, 'list-ports', 'ovsbr3'), port);
  t.is(ipj(g, 'address', 'show', 'dev', 'eth1')[0].addr_info[0].local, '10.92.0.2');
  // ls finds the port's bridge in OVSDB (the kernel knows no master for it)
  const ls = await cli([...args, '--json', 'ls', g]);
  t.is(ls.code, 0, ls.stderr);
  t.like(JSON.parse(ls.stdout), [{ ifname: 'eth1', kind: 'veth', hostIfname: port, bridge: 'ovsbr3' }]);
  const d = await cli([...args, 'del', g]);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, new RegExp(`removed OVS port ${port} from ovsbr3`));
  t.is(vsctl(o, 'list-ports', 'ovsbr3'), '');
  const none = await cli(['--host-netns', o.ns, '--ovsdb', 'unix:/nonexistent/db.sock', 'ovsbr9', g, '10.92.0.3/24']);
  t.is(none.code, 1);
  t.regex(none.stderr, /Need OVS installed on the system to create an ovs bridge; no Open vSwitch database at \/nonexistent\/db\.sock/);
});

/** A deleted namespace's veths are destroyed by the kernel's cleanup work, a moment later. */
async function goneFromHost(o: Ovs, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (ipj(o.ns, 'link', 'show').some((l: { ifname: string }) => l.ifname === name)) {
    if (Date.now() > deadline) throw new Error(`${name} still on the host 10 s after its peer's namespace was deleted`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

ovsTest("a guest that went away leaves a stale port: del removes it, and a new wiring of the guest replaces it", async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const g = createNetns(t, 'g');
  const first = await pw.wire({ host: 'ovsbr4', guest: g, addresses: '10.93.0.2/24' });
  // The guest's namespace goes (a container stops): the veth goes with it, the OVSDB row stays.
  run('ip', ['netns', 'delete', g]);
  await goneFromHost(o, first.hostIfname!);
  t.is(vsctl(o, 'list-ports', 'ovsbr4'), first.hostIfname!);
  const gone = await pw.unwire(`netns:${g}`);
  t.false(gone.removed);
  t.truthy(gone.notes.find((n) => n === `removed stale OVS port ${first.hostIfname} from ovsbr4`), gone.notes.join('; '));
  t.is(vsctl(o, 'list-ports', 'ovsbr4'), '');

  // Again, but this time the guest comes back (a restart) and is wired anew under the same name.
  run('ip', ['netns', 'add', g]);
  const second = await pw.wire({ host: 'ovsbr4', guest: g, addresses: '10.93.0.2/24' });
  run('ip', ['netns', 'delete', g]);
  await goneFromHost(o, second.hostIfname!);
  run('ip', ['netns', 'add', g]);
  const again = await pw.wire({ host: 'ovsbr4', guest: g, addresses: '10.93.0.2/24' });
  t.truthy(again.steps.find((s) => /remove stale OVS port/.test(s)));
  t.is(vsctl(o, 'list-ports', 'ovsbr4'), again.hostIfname!);
  await pw.unwire(g);
  vsctl(o, 'del-br', 'ovsbr4');
});

ovsTest('a different tag names the current one; ls shows bridge and tag; the step names an existing bridge', async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const [g, h] = [createNetns(t, 'g'), createNetns(t, 'h')];
  const wired = await pw.wire({ host: 'ovsbr5', guest: g, addresses: '10.94.0.2/24', vlan: 7 });
  t.teardown(() => vsctl(o, '--if-exists', 'del-br', 'ovsbr5'));
  await t.throwsAsync(pw.wire({ host: 'ovsbr5', guest: g, addresses: '10.94.0.2/24', vlan: 9 }), {
    instanceOf: ConflictError,
    message: new RegExp(`^eth1 in netns ${g} is already wired to OVS bridge ovsbr5 but differs: its port ${wired.hostIfname} has tag 7, asked for tag 9; remove it first`),
  });
  await t.throwsAsync(pw.wire({ host: 'ovsbr5', guest: g, addresses: '10.94.0.2/24' }), { instanceOf: ConflictError, message: /has tag 7, asked for no tag/ });
  const ls = await cli(['--host-netns', o.ns, '--ovsdb', `unix:${o.sock}`, 'ls', g]);
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout, new RegExp(`\\b${wired.hostIfname} on ovsbr5 vlan 7\\b`));
  const plan = await pw.wire({ host: 'ovsbr5', guest: h, addresses: '10.94.0.3/24' }, { dryRun: true });
  t.true(plan.steps.includes(`[host] add ${plan.hostIfname} to OVS bridge ovsbr5 as a port (one OVSDB transaction)`), plan.steps.join('\n'));
});

ovsTest('ovs-vswitchd stopped: a wiring is refused with nothing changed; del removes the port, exits 0 and says so', async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const [g, h] = [createNetns(t, 'g'), createNetns(t, 'h')];
  const wired = await pw.wire({ host: 'ovsbr6', guest: g, addresses: '10.95.0.2/24' });
  await stopVswitchd(o);
  try {
    const args = ['--host-netns', o.ns, '--ovsdb', `unix:${o.sock}`];
    // Settled: the kernel is still reacting to the wiring above and to the daemon's exit.
    const state = async () => ({ ns: await settledSnapshot(o.ns), h: snapshot(h), ports: vsctlList(o, 'Port').map((p) => p.name).sort() });
    const before = await state();
    const r = await cli([...args, 'ovsbr6', h, '10.95.0.3/24']);
    t.is(r.code, 1);
    t.regex(r.stderr, /^pipework: ovs-vswitchd is not running for the OVS database at .*db\.sock: a port on ovsbr6 would carry no traffic; start ovs-vswitchd/);
    t.deepEqual(await state(), before);

    const d = await cli([...args, 'del', g]);
    t.is(d.code, 0, d.stderr);
    t.regex(d.stderr, new RegExp(`removed OVS port ${wired.hostIfname} from ovsbr6 \\(from the database: ovs-vswitchd is not running`));
    t.is(vsctl(o, 'list-ports', 'ovsbr6'), '', 'the Port row is gone');
    t.false(ipj(g, 'link', 'show').some((l: { ifname: string }) => l.ifname === 'eth1'));
    t.false(ipj(o.ns, 'link', 'show').some((l: { ifname: string }) => l.ifname === wired.hostIfname));
  } finally {
    startVswitchd(o);
  }
  vsctl(o, 'del-br', 'ovsbr6');
});

ovsTest('ovs-vswitchd stops answering during a wiring: the rollback removes the Port row its transaction added', async (t, o) => {
  const pw = session(o);
  t.teardown(() => pw.close());
  const g = createNetns(t, 'g');
  vsctl(o, 'add-br', 'ovsbr7', '--', 'set', 'Bridge', 'ovsbr7', 'datapath_type=netdev');
  const state = async () => ({ ns: await settledSnapshot(o.ns), g: await settledSnapshot(g), ports: vsctlList(o, 'Port').map((p) => p.name).sort() });
  const before = await state();
  const pid = vswitchdPid(o);
  try {
    // Stopped, not killed: it keeps its lock, so the client waits for it (10 s) and then gives up.
    const e = await t.throwsAsync(pw.wire({ host: 'ovsbr7', guest: g, addresses: '10.96.0.2/24' }, {
      beforeStep: (_n, step) => {
        if (step.what.includes('as a port')) process.kill(pid, 'SIGSTOP');
      },
    }), { instanceOf: StepFailedError });
    t.regex(e?.message ?? '', /not applied: ovs-vswitchd has not applied configuration/);
    t.deepEqual(await state(), before, 'no Port row, no veth left behind');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  vsctl(o, 'del-br', 'ovsbr7');
});
