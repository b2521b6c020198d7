// `pipework watch -f FILE` against a private dockerd: the file's containers wired at start, wired
// again in their new namespace when they restart or start later, other containers untouched, the
// event stream reopened (and everything applied again) when it drops, SIGTERM/SIGINT -> exit 0,
// no daemon -> exit 1. The oracle is iproute2 inside each container's netns (nsenter -t PID -n).
import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { BIN, cli } from '../helpers/cli.js';
import { useDockerd } from '../helpers/docker.js';
import { createNetns, ipj, run } from '../helpers/netns.js';

const docker = useDockerd();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns something truthy; fails with `what` at the deadline. */
async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

interface AddrInfo {
  ifname: string;
  address: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

/** `ip -j addr show dev IF` in the netns of a container's current process; undefined if absent. */
function addrIn(container: string, ifname: string): AddrInfo | undefined {
  const pid = docker().containerPid(container);
  if (!pid) return undefined;
  try {
    return (JSON.parse(run('nsenter', ['-t', String(pid), '-n', 'ip', '-j', 'addr', 'show', 'dev', ifname]) || '[]') as AddrInfo[])[0];
  } catch {
    return undefined;
  }
}

const linksOf = (container: string) =>
  (JSON.parse(run('nsenter', ['-t', String(docker().containerPid(container)), '-n', 'ip', '-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname);

/** The interface carries exactly this IPv4 address and MAC. */
const wiredAs = (a: AddrInfo | undefined, cidr: string, mac?: string) =>
  a !== undefined && a.addr_info.some((i) => i.family === 'inet' && `${i.local}/${i.prefixlen}` === cidr) && (mac === undefined || a.address === mac);

/** A `pipework watch` process, its output collected as it comes. */
class Watcher {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(t: ExecutionContext, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stdout += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    t.teardown(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for a line of stderr matching re; returns the match. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return until(`a line like ${re} on stderr; got:\n${this.stderr}`, () => this.stderr.match(re) ?? undefined, timeoutMs);
  }

  /** The --json events so far. */
  events(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  event(what: string, pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>> {
    return until(`${what}; events:\n${this.stdout}\nstderr:\n${this.stderr}`, () => this.events().find(pred), timeoutMs);
  }
}

function wiringFile(t: ExecutionContext, entries: Record<string, unknown>[], ext = 'yaml'): string {
  const dir = fs.mkdtempSync('/tmp/pwt-watch-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, `wirings.${ext}`);
  // YAML is a superset of JSON: one entry per line, as a user would write a flow list
  fs.writeFileSync(file, ext === 'json' ? JSON.stringify(entries) : entries.map((e) => `- ${JSON.stringify(e)}\n`).join(''));
  return file;
}

test.serial('containers wired at start, again after a restart (same address and MAC), and when started later; others untouched; SIGTERM exits 0', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const names = ['web', 'db', 'late', 'other', 'hostnet'];
  t.teardown(() => {
    for (const n of names) if (docker().docker(['ps', '-aq', '--filter', `name=^${n}$`]).trim()) docker().removeContainer(n);
  });
  const web = docker().runContainer('web');
  docker().runContainer('db');
  docker().runContainer('hostnet', { options: ['--net', 'host'] });
  const file = wiringFile(t, [
    { host: 'br1', guest: 'web', ifname: 'eth1', address: '10.50.0.5/24@10.50.0.1', mac: '02:50:00:00:00:05' },
    { host: 'br1', guest: 'docker:db', address: '10.50.0.6/24', mac: 'U:db' },
    // a fixed host-side name: the old one must be gone (or waited for) when web comes back
    { host: 'br1', guest: 'web', ifname: 'eth2', address: '10.51.0.5/24', local: 'vwebeth2' },
    { host: 'br1', guest: 'late', address: '10.50.0.7/24', mac: '02:50:00:00:00:07' },
    // refused (it has the host's netns): reported, and the watcher goes on
    { host: 'br1', guest: 'hostnet', address: '10.50.0.9/24' },
    // not a container: wired once, at start
    { host: 'br1', guest: `netns:${guest}`, address: '10.50.0.8/24' },
  ]);
  const started = Date.now();
  const w = new Watcher(t, ['--host-netns', host, 'watch', '-f', file], docker().env);

  await w.line(/watching Docker at \S+docker\.sock for starts of web, db, late, hostnet\n/);
  await w.line(new RegExp(`pipework: web: wired eth1 10\\.50\\.0\\.5/24 \\(veth1pl${web.pid} on br1\\)\\n`));
  await w.line(/pipework: web: wired eth2 10\.51\.0\.5\/24 \(vwebeth2 on br1\)\n/);
  await w.line(/pipework: db: wired eth1 10\.50\.0\.6\/24 /);
  await w.line(new RegExp(`pipework: netns:${guest}: wired eth1 10\\.50\\.0\\.8/24 `));
  t.regex(w.stderr, /pipework: late: Docker knows no container late \(yet\); it will be wired when it starts\n/);
  t.regex(w.stderr, /pipework: hostnet: entry 4 not wired: container hostnet uses the host's network \(--net=host\)/);
  t.log(`initial pass done ${Date.now() - started} ms after the watcher started`);
  // The oracle: iproute2 in each namespace.
  t.true(wiredAs(addrIn('web', 'eth1'), '10.50.0.5/24', '02:50:00:00:00:05'));
  t.true(wiredAs(addrIn('web', 'eth2'), '10.51.0.5/24'));
  const dbMac = addrIn('db', 'eth1')?.address;
  t.regex(dbMac ?? '', /^02:/);
  t.true(wiredAs(addrIn('db', 'eth1'), '10.50.0.6/24', dbMac));
  t.true(wiredAs(ipj<AddrInfo[]>(guest, 'addr', 'show', 'dev', 'eth1')[0], '10.50.0.8/24'));
  t.is(ipj<{ ifname: string; master?: string }[]>(host, 'link', 'show', 'vwebeth2')[0].master, 'br1');

  // A restart: new PID, new netns, nothing in it; the watcher wires it again.
  const restartAt = Date.now();
  docker().docker(['restart', '-t', '0', 'web']);
  const newPid = docker().containerPid('web');
  t.not(newPid, web.pid);
  await until('eth1 and eth2 in the restarted web', () => wiredAs(addrIn('web', 'eth1'), '10.50.0.5/24', '02:50:00:00:00:05') && wiredAs(addrIn('web', 'eth2'), '10.51.0.5/24'));
  t.log(`web wired again ${Date.now() - restartAt} ms after docker restart was called`);
  t.is(
    (JSON.parse(run('nsenter', ['-t', String(newPid), '-n', 'ip', '-j', 'route', 'show', 'default'])) as { gateway: string }[])[0]?.gateway,
    '10.50.0.1',
  );
  await w.line(new RegExp(`pipework: web started: wired eth1 10\\.50\\.0\\.5/24 \\(veth1pl${newPid} on br1\\)\\n`));
  await w.line(/pipework: web started: wired eth2 10\.51\.0\.5\/24 \(vwebeth2 on br1\)\n/);
  // The old host end went with the old namespace; the new one is on the bridge.
  const ports = () => ipj<{ ifname: string }[]>(host, 'link', 'show', 'master', 'br1').map((l) => l.ifname);
  await until(`veth1pl${web.pid} gone from the host netns`, () => !ports().includes(`veth1pl${web.pid}`));
  t.true(ports().includes(`veth1pl${newPid}`), ports().join(' '));
  t.true(ports().includes('vwebeth2'));
  t.is(ports().length, 4, `web eth1, web eth2, db, the netns guest: ${ports().join(' ')}`);
  // db did not restart: untouched (the same interface, not rewired)
  t.is(addrIn('db', 'eth1')?.address, dbMac);
  t.notRegex(w.stderr, /db started/);

  // A container not in the file, then one that is: by the time the second is wired, the first's
  // start event has been handled (events are handled in order) and must have changed nothing.
  docker().runContainer('other');
  docker().runContainer('late');
  await until('eth1 in late', () => wiredAs(addrIn('late', 'eth1'), '10.50.0.7/24', '02:50:00:00:00:07'));
  await w.line(/pipework: late started: wired eth1 10\.50\.0\.7\/24 /);
  t.deepEqual(linksOf('other'), ['lo']);
  t.notRegex(w.stderr, /other/);

  w.kill('SIGTERM');
  t.is(await w.exited, 0, w.stderr);
  t.regex(w.stderr, /pipework: stopped watching\n$/);
  t.is(w.stdout, '');
});

test.serial('a stable host-side name still held when the container starts (a leftover of its previous netns): waited for, then wired', async (t) => {
  const host = createNetns(t, 'h');
  t.teardown(() => {
    if (docker().docker(['ps', '-aq', '--filter', 'name=^stable$']).trim()) docker().removeContainer('stable');
  });
  const file = wiringFile(t, [{ host: 'br1', guest: 'stable', address: '10.54.0.5/24', local: 'vstable' }]);
  const w = new Watcher(t, ['--host-netns', host, 'watch', '-f', file], docker().env);
  await w.line(/pipework: stable: Docker knows no container stable \(yet\)/);
  // What the kernel leaves for a moment after a container's netns dies: the host end, up.
  run('ip', ['-n', host, 'link', 'add', 'vstable', 'type', 'veth', 'peer', 'name', 'vstablep']);
  run('ip', ['-n', host, 'link', 'set', 'vstable', 'up']);
  docker().runContainer('stable');
  // The first attempt meets it; it goes away while the watcher waits (bounded: 1.5 s in all).
  await sleep(400);
  run('ip', ['-n', host, 'link', 'del', 'vstable']);
  await until('eth1 in stable', () => wiredAs(addrIn('stable', 'eth1'), '10.54.0.5/24'));
  await w.line(/pipework: stable started: wired eth1 10\.54\.0\.5\/24 \(vstable on br1\)\n/);
  t.notRegex(w.stderr, /not wired/);
  t.is(ipj<{ master?: string }[]>(host, 'link', 'show', 'vstable')[0].master, 'br1');
  w.kill('SIGTERM');
  t.is(await w.exited, 0, w.stderr);
});

test.serial('a stable host-side name held by the previous namespace (kept open by a process) is freed: the restarted container is wired at once', async (t) => {
  const host = createNetns(t, 'h');
  t.teardown(() => {
    if (docker().docker(['ps', '-aq', '--filter', 'name=^held$']).trim()) docker().removeContainer('held');
  });
  docker().runContainer('held');
  const file = wiringFile(t, [{ host: 'br1', guest: 'held', address: '10.55.0.5/24', local: 'vheld' }]);
  const w = new Watcher(t, ['--host-netns', host, 'watch', '-f', file], docker().env);
  await w.line(/pipework: held: wired eth1 10\.55\.0\.5\/24 \(vheld on br1\)\n/);
  // A process keeps the old namespace open: the kernel cannot destroy it, nor the veth in it, while it runs.
  const oldPid = docker().containerPid('held');
  const nsFd = fs.openSync(`/proc/${oldPid}/ns/net`, 'r');
  const holder = spawn('sleep', ['30'], { stdio: [nsFd, 'ignore', 'ignore'] });
  fs.closeSync(nsFd);
  t.teardown(() => void holder.kill('SIGKILL'));
  const oldIndex = ipj<{ ifindex: number }[]>(host, 'link', 'show', 'vheld')[0].ifindex;

  docker().docker(['restart', '-t', '0', 'held']);
  await w.line(/pipework: held started: wired eth1 10\.55\.0\.5\/24 \(vheld on br1\)\n/, 5000);
  t.true(wiredAs(addrIn('held', 'eth1'), '10.55.0.5/24'));
  const now = ipj<{ ifindex: number; master?: string }[]>(host, 'link', 'show', 'vheld')[0];
  t.not(now.ifindex, oldIndex, 'the old veth was removed, a new one made');
  t.is(now.master, 'br1');
  t.is(holder.exitCode, null, 'the old namespace was still held while the container was wired again');
  w.kill('SIGTERM');
  t.is(await w.exited, 0, w.stderr);
});

test.serial('the event stream drops: reconnected with backoff, and a container restarted meanwhile is wired again (--json); SIGINT exits 0', async (t) => {
  const host = createNetns(t, 'h');
  t.teardown(() => docker().removeContainer('rc1'));
  docker().runContainer('rc1');
  // The watcher reaches the real dockerd through a relay on a unix socket that the test can cut.
  const dir = fs.mkdtempSync('/tmp/pwt-relay-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const relaySocket = path.join(dir, 'docker.sock');
  const conns = new Set<net.Socket>();
  const relay = () =>
    net.createServer((client) => {
      const upstream = net.connect(docker().socket);
      for (const s of [client, upstream]) {
        conns.add(s);
        s.on('close', () => conns.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).on('close', () => client.destroy());
      upstream.pipe(client).on('close', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  let server = relay();
  await new Promise<void>((r) => server.listen(relaySocket, r));
  t.teardown(() => {
    server.close();
    for (const c of conns) c.destroy();
  });
  const file = wiringFile(t, [{ host: 'br1', guest: 'rc1', address: '10.52.0.5/24', mac: '02:52:00:00:00:05' }], 'json');
  const w = new Watcher(t, ['--host-netns', host, '--json', 'watch', '-f', file], { DOCKER_HOST: `unix://${relaySocket}` });
  await w.event('rc1 wired at start', (e) => e.event === 'wired' && e.trigger === 'initial' && e.guest === 'rc1');
  const first = w.events();
  t.like(first[0], { event: 'watching', reconnected: false, containers: ['rc1'], socket: relaySocket });
  t.like(first[1], { event: 'wired', trigger: 'initial', index: 0, guest: 'rc1', container: { name: 'rc1' }, ifname: 'eth1', addresses: ['10.52.0.5/24'], mac: '02:52:00:00:00:05' });
  t.true(wiredAs(addrIn('rc1', 'eth1'), '10.52.0.5/24', '02:52:00:00:00:05'));

  // Cut: no more connections, the open ones closed. The container restarts while the watcher
  // cannot hear of it.
  await new Promise<void>((r) => {
    server.close(() => r());
    for (const c of conns) c.destroy();
  });
  await w.event('the stream drop noticed', (e) => e.event === 'disconnected');
  const oldPid = docker().containerPid('rc1');
  docker().docker(['restart', '-t', '0', 'rc1']);
  t.not(docker().containerPid('rc1'), oldPid);
  t.false(wiredAs(addrIn('rc1', 'eth1'), '10.52.0.5/24'), 'the restarted container starts without eth1');
  // Back: the watcher reconnects on its own and applies the file again.
  server = relay();
  await new Promise<void>((r) => server.listen(relaySocket, r));
  const back = Date.now();
  await w.event('rc1 wired after the reconnection', (e) => e.event === 'wired' && e.trigger === 'reconnected' && e.guest === 'rc1');
  t.log(`wired again ${Date.now() - back} ms after the relay came back`);
  t.true(wiredAs(addrIn('rc1', 'eth1'), '10.52.0.5/24', '02:52:00:00:00:05'));
  const events = w.events();
  const kinds = events.map((e) => e.event);
  t.true(kinds.indexOf('disconnected') < kinds.lastIndexOf('watching'), kinds.join(' '));
  t.like(events[kinds.lastIndexOf('watching')], { reconnected: true });
  // the reconnection attempts while the relay was down waited longer each time, within the bound
  const delays = events.filter((e) => e.event === 'disconnected').map((e) => e.retryInMs as number);
  t.true(delays.length >= 2, `several attempts: ${delays.join(', ')}`);
  t.true(delays.every((d, i) => i === 0 || d >= delays[i - 1]) && delays.every((d) => d <= 5000), delays.join(', '));
  t.is(events.filter((e) => e.event === 'failed').length, 0);
  t.is(w.stderr, '', 'with --json, nothing on stderr');

  w.kill('SIGINT');
  t.is(await w.exited, 0, w.stderr);
  t.like(w.events().at(-1), { event: 'stopped' });
});

test.serial('no Docker daemon: exit 1 with the reason, nothing wired; a file without containers is applied once', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const entries = [
    { host: 'br1', guest: `netns:${guest}`, address: '10.53.0.8/24' },
    { host: 'br1', guest: 'web', address: '10.53.0.5/24' },
  ];
  const gone = '/tmp/pwt-no-docker-here/docker.sock';
  const r = await cli(['--host-netns', host, 'watch', '-f', wiringFile(t, entries)], { env: { DOCKER_HOST: `unix://${gone}` } });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(`^pipework: cannot watch the containers of \\S+: no Docker daemon at ${gone} \\(ENOENT\\); start Docker, or set DOCKER_HOST=`));
  t.deepEqual(ipj<{ ifname: string }[]>(guest, 'link', 'show').map((l) => l.ifname), ['lo'], 'checked before anything is applied');

  const once = await cli(['--host-netns', host, 'watch', '-f', wiringFile(t, entries.slice(0, 1))], { env: { DOCKER_HOST: `unix://${gone}` } });
  t.is(once.code, 0, once.stderr);
  t.regex(once.stderr, new RegExp(`pipework: netns:${guest}: wired eth1 10\\.53\\.0\\.8/24 \\(\\S+ on br1\\)\\npipework: \\S+ names no container: nothing to watch\\n$`));
  t.true(wiredAs(ipj<AddrInfo[]>(guest, 'addr', 'show', 'dev', 'eth1')[0], '10.53.0.8/24'));

  const bad = await cli(['watch', '-f', wiringFile(t, [{ host: 'br1', guest: 'web' }])]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /1 of 1 entry is invalid; nothing was changed\n {2}entry 0 \(web\): address is missing/);
  const usage = await cli(['watch']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /watch takes its wirings from a file: pipework watch -f FILE/);
});
