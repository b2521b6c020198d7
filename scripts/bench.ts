// `npm run bench`: the same work done five ways, timed in one run, on throwaway namespaces.
//
// The work, per guest: a veth pair whose host end is a port of bridge br0 (made beforehand, up)
// and whose other end is eth1 in the guest, an IPv4 address, a default route, an announcement
// (gratuitous ARP). Done by:
//   library    this library in bulk: one process (bench-lib.js) calling Pipework.wireMany for
//              all guests; its start, module loading and exit are counted
//   cli        this CLI, one process per guest (`pipework --host-netns H br0 -i eth1 netns:G A@GW`)
//   cni        the CNI reference `bridge` plugin (host-local IPAM, private dataDir), one process per
//              guest, entered into the host namespace with `nsenter --net=` (a few ms, measured)
//   pipework   upstream pipework, if --pipework PATH is given: as shipped (its arping waits 1 s),
//              and with arping stubbed out; guests are found through a `docker` stub
//   ip-batch   `ip -batch` creating the same veth pairs: the host-side link work alone, the floor
//              for the library's link stage
// Every method gets fresh namespaces (pwb<pid>-<method>-…), made before and deleted after it, and
// the machine is let settle in between. The root namespace is never touched. NODE_EXTRA_CA_CERTS
// is unset for every child process (it adds ~70 ms to each node start).
//
//   npm run bench                        N=200
//   npm run bench -- --n 1000
//   npm run bench -- --sweep             N=50, 200, 1000
//   options: --sample K (guests timed one by one for cli/cni, default 200; the bridge is filled to N
//            ports first), --pipework PATH, --pipework-sample K (default 10), --no-cli, --no-cni,
//            --out DIR (default bench-out), --runs R (library and ip-batch repeated, best kept; default 3)
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BIN = join(ROOT, 'bin', 'pipework.js');
const LIB = join(HERE, 'bench-lib.js');
const CNI_BRIDGE = '/usr/lib/cni/bridge';
const NET = 60;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  sizes: number[];
  sample: number;
  pipework?: string;
  pipeworkSample: number;
  cli: boolean;
  cni: boolean;
  out: string;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [200], sample: 200, pipeworkSample: 10, cli: true, cni: true, out: join(ROOT, 'bench-out'), runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} takes a positive whole number`);
      return v;
    };
    if (a === '--n') args.sizes = [int()];
    else if (a === '--sweep') args.sizes = [50, 200, 1000];
    else if (a === '--sample') args.sample = int();
    else if (a === '--pipework') args.pipework = resolve(value());
    else if (a === '--pipework-sample') args.pipeworkSample = int();
    else if (a === '--no-cli') args.cli = false;
    else if (a === '--no-cni') args.cni = false;
    else if (a === '--out') args.out = resolve(value());
    else if (a === '--runs') args.runs = int();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (args.pipework && !existsSync(args.pipework)) throw new Error(`--pipework ${args.pipework}: no such file`);
  return args;
}

// ---------------------------------------------------------------------------------------------
// Namespaces, processes

const TAG = `pwb${process.pid}`;
const live = new Set<string>();
const childEnv: NodeJS.ProcessEnv = { ...process.env };
delete childEnv.NODE_EXTRA_CA_CERTS;
const scratch = mkdtempSync(join(tmpdir(), 'pwbench-'));

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -batch` of the given lines; throws with ip's stderr on failure. */
function ipBatch(lines: string[], netns?: string): number {
  const file = join(scratch, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const t = performance.now();
  const r = spawnSync('ip', [...(netns ? ['-n', netns] : []), '-batch', file], { encoding: 'utf8' });
  const ms = performance.now() - t;
  rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
  return ms;
}

function addNetns(names: string[]): void {
  for (const n of names) live.add(n);
  ipBatch(names.map((n) => `netns add ${n}`));
}

function deleteNetns(names: string[]): void {
  const mine = names.filter((n) => live.has(n));
  for (const n of mine) live.delete(n);
  if (!mine.length) return;
  try {
    ipBatch(mine.map((n) => `netns delete ${n}`));
  } catch {
    for (const n of mine) spawnSync('ip', ['netns', 'delete', n]);
  }
}

function cleanupAll(): void {
  deleteNetns([...live]);
  rmSync(scratch, { recursive: true, force: true });
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
    process.exit(130);
  });
}

function cpuTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the machine is quiet: less than one CPU's worth of busy time over two 250 ms
 * windows in a row (namespace deletion and IPv6 timers finish in the background), at most maxMs.
 */
async function settle(maxMs = 8_000): Promise<number> {
  const start = performance.now();
  const cores = cpus().length;
  let quiet = 0;
  let prev = cpuTicks();
  while (performance.now() - start < maxMs) {
    await sleep(250);
    const now = cpuTicks();
    const busyCores = ((now.busy - prev.busy) / Math.max(1, now.total - prev.total)) * cores;
    prev = now;
    quiet = busyCores < 0.5 ? quiet + 1 : 0;
    if (quiet >= 2) break;
  }
  return performance.now() - start;
}

const addrOf = (i: number) => `10.${NET}.${Math.floor(i / 250)}.${(i % 250) + 2}`;
const GATEWAY = `10.${NET}.255.254`;

interface World {
  host: string;
  prefix: string;
  guests: string[];
  fillers?: string[];
}

/**
 * A host netns with bridge br0 (up), N guests, and `fill` guests already wired before the timed
 * ones (their own namespaces, eth1 up, no address): a one-by-one method timed on a sample of K
 * guests then works on a bridge of N ports, with the kernel's background traffic of N guests.
 */
function makeWorld(method: string, n: number, fill = 0): World {
  const prefix = `${TAG}-${method}-`;
  const host = `${prefix}h`;
  const guests = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const fillers = Array.from({ length: fill }, (_, i) => `${prefix}f${i}`);
  addNetns([host, ...guests, ...fillers]);
  const lines = ['link add br0 type bridge', 'link set br0 up'];
  fillers.forEach((f, i) => lines.push(`link add pf${i} master br0 up type veth peer name eth1 netns ${f}`));
  ipBatch(lines, host);
  for (const f of fillers) ip('-n', f, 'link', 'set', 'eth1', 'up');
  return { host, prefix, guests, fillers };
}

function dropWorld(w: World): void {
  deleteNetns([w.host, ...w.guests, ...(w.fillers ?? [])]);
}

/** Spot checks that the work was done: eth1 with an IPv4 address and a default route in a few guests. */
function verify(w: World, indexes: number[]): boolean {
  for (const i of indexes) {
    const g = w.guests[i];
    try {
      const addrs = JSON.parse(ip('-j', '-n', g, '-4', 'address', 'show', 'dev', 'eth1')) as { addr_info: unknown[] }[];
      const routes = JSON.parse(ip('-j', '-n', g, '-4', 'route', 'show', 'default')) as unknown[];
      if (!addrs[0]?.addr_info.length || !routes.length) return false;
    } catch {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Methods

interface Measure {
  method: string;
  n: number;
  /** guests timed (one-by-one methods may time a sample) */
  timed: number;
  totalMs: number;
  perGuestMs: number;
  ok: boolean;
  failures?: number;
  note?: string;
  /** library: per-stage milliseconds, process overhead, RSS */
  stages?: Record<string, number>;
  processMs?: number;
  rssKb?: number;
  cpuMs?: number;
  unwireMs?: number;
}

interface LibOut {
  wired: number;
  failed: number;
  fallback: number;
  firstError?: string;
  timings: Record<string, number>;
  maxRssKb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  unwireMs?: number;
}

function runLibrary(n: number): Measure {
  const w = makeWorld('lib', n);
  try {
    const t = performance.now();
    const r = spawnSync(process.execPath, [LIB, '--host', w.host, '--prefix', w.prefix, '--count', String(n), '--net', String(NET), '--unwire'], {
      env: childEnv,
      encoding: 'utf8',
    });
    const wall = performance.now() - t;
    if (r.status !== 0) throw new Error(`bench-lib exited ${r.status}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as LibOut;
    // The wiring ends before the unwiring that follows it: count only up to there.
    const unwireMs = out.unwireMs ?? 0;
    const total = wall - unwireMs;
    const stages = { ...out.timings };
    return {
      method: 'library',
      n,
      timed: n,
      totalMs: total,
      perGuestMs: total / n,
      ok: out.wired === n && out.failed === 0,
      failures: out.failed,
      note: out.firstError,
      stages,
      processMs: total - out.timings.total,
      rssKb: out.maxRssKb,
      cpuMs: out.cpuUserMs + out.cpuSystemMs,
      unwireMs,
    };
  } finally {
    dropWorld(w);
  }
}

/** One process per guest, timed one after the other over `sample` guests (the bridge filled to N ports first). */
function runOneByOne(method: string, n: number, sample: number, command: (w: World, i: number) => { cmd: string; args: string[]; input?: string; env?: NodeJS.ProcessEnv }, setup?: (w: World, timed: number) => () => void): Measure {
  const timed = Math.min(n, sample);
  const w = makeWorld(method, timed, n - timed);
  const teardown = setup?.(w, timed);
  try {
    let failures = 0;
    let firstError: string | undefined;
    const t = performance.now();
    for (let i = 0; i < timed; i++) {
      const c = command(w, i);
      const r = spawnSync(c.cmd, c.args, { input: c.input, env: c.env ?? childEnv, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      if (r.status !== 0) {
        failures++;
        if (firstError === undefined) {
          const lines = (r.stderr || r.stdout || String(r.error)).trim().split('\n').filter((l) => l.trim());
          firstError = `guest ${i}: ${[...new Set([...lines.slice(0, 4), ...lines.slice(-1)])].join(' / ')}`;
        }
      }
    }
    const total = performance.now() - t;
    const ok = failures === 0 && verify(w, [0, timed - 1]);
    return { method, n, timed, totalMs: total, perGuestMs: total / timed, ok, failures, note: firstError ?? (timed < n ? `${timed} guests timed on a bridge of ${n} ports` : undefined) };
  } finally {
    teardown?.();
    dropWorld(w);
  }
}

function runCli(n: number, sample: number): Measure {
  return runOneByOne('cli', n, sample, (w, i) => ({
    cmd: process.execPath,
    args: [BIN, '--host-netns', w.host, 'br0', '-i', 'eth1', `netns:${w.guests[i]}`, `${addrOf(i)}/16@${GATEWAY}`],
  }));
}

function runCni(n: number, sample: number): Measure {
  const dataDir = mkdtempSync(join(scratch, 'cni-'));
  const conf = JSON.stringify({
    cniVersion: '1.0.0',
    name: 'pwbench',
    type: 'bridge',
    bridge: 'br0',
    isGateway: false,
    ipMasq: false,
    ipam: { type: 'host-local', subnet: `10.${NET}.0.0/16`, gateway: GATEWAY, routes: [{ dst: '0.0.0.0/0' }], dataDir },
  });
  return runOneByOne('cni', n, sample, (w, i) => ({
    cmd: 'nsenter',
    args: [`--net=/var/run/netns/${w.host}`, CNI_BRIDGE],
    input: conf,
    env: { ...childEnv, CNI_COMMAND: 'ADD', CNI_NETNS: `/var/run/netns/${w.guests[i]}`, CNI_IFNAME: 'eth1', CNI_CONTAINERID: w.guests[i], CNI_PATH: dirname(CNI_BRIDGE) },
  }));
}

/** What `nsenter --net=` alone costs per call (the CNI plugin runs behind it). */
function nsenterCost(): number {
  const w = makeWorld('nse', 0);
  try {
    const t = performance.now();
    for (let i = 0; i < 20; i++) spawnSync('nsenter', [`--net=/var/run/netns/${w.host}`, 'true']);
    return (performance.now() - t) / 20;
  } finally {
    dropWorld(w);
  }
}

/**
 * Upstream pipework finds a guest's PID through `docker inspect`; here a stub answers it with the
 * PID of a `sleep` started inside each guest namespace. With stubArping, `arping` is a no-op.
 */
function runPipework(path: string, n: number, sample: number, stubArping: boolean): Measure {
  const stub = mkdtempSync(join(scratch, 'stub-'));
  mkdirSync(join(stub, 'pids'));
  writeFileSync(
    join(stub, 'docker'),
    [
      '#!/bin/sh',
      '# docker stub for the benchmark: `docker inspect [--format ...] NAME` answered from pids/NAME',
      'for last; do :; done',
      `pid=$(cat "${stub}/pids/$last" 2>/dev/null) || { echo "Error: No such object: $last" >&2; exit 1; }`,
      'case "$*" in',
      '  *Running*) echo true ;;',
      '  *NetworkMode*) echo none ;;',
      '  *) echo "$pid" ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(join(stub, 'docker'), 0o755);
  if (stubArping) {
    writeFileSync(join(stub, 'arping'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(stub, 'arping'), 0o755);
  }
  const env = { ...childEnv, PATH: `${stub}:${childEnv.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  const method = stubArping ? 'pipework-noarping' : 'pipework';
  const m = runOneByOne(
    method,
    n,
    sample,
    // `ip netns exec`, not nsenter: upstream looks at /sys/class/net, which ip netns exec remounts
    // for the namespace (under nsenter it would still show the root namespace's interfaces).
    (w, i) => ({ cmd: 'ip', args: ['netns', 'exec', w.host, path, 'br0', '-i', 'eth1', w.guests[i], `${addrOf(i)}/16@${GATEWAY}`], env }),
    (w, timed) => {
      const sleepers: ChildProcess[] = [];
      for (let i = 0; i < timed; i++) {
        const s = spawn('ip', ['netns', 'exec', w.guests[i], 'sleep', '3600'], { stdio: 'ignore' });
        sleepers.push(s);
        writeFileSync(join(stub, 'pids', w.guests[i]), `${s.pid}\n`);
      }
      return () => {
        for (const s of sleepers) {
          s.kill('SIGKILL');
          // Upstream links /var/run/netns/<pid> to the guest and may leave the link behind.
          rmSync(`/var/run/netns/${s.pid}`, { force: true });
        }
      };
    },
  );
  rmSync(stub, { recursive: true, force: true });
  return m;
}

function runIpBatch(n: number): Measure {
  const w = makeWorld('ipb', n);
  try {
    const lines = w.guests.map((g, i) => `link add vb${i} mtu 1500 master br0 up type veth peer name eth1 mtu 1500 netns ${g}`);
    const ms = ipBatch(lines, w.host);
    return { method: 'ip-batch', n, timed: n, totalMs: ms, perGuestMs: ms / n, ok: true, note: 'host-side links only' };
  } finally {
    dropWorld(w);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

const fmt = (ms: number | undefined, digits = 2) => (ms === undefined || !Number.isFinite(ms) ? '-' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n') + '\n';
}

interface Run {
  n: number;
  methods: Measure[];
}

interface Target {
  what: string;
  value: string;
  goal: string;
  met: boolean | undefined;
}

function targetsOf(runs: Run[]): Target[] {
  const at = (n: number) => runs.find((r) => r.n === n);
  const get = (r: Run | undefined, m: string) => r?.methods.find((x) => x.method === m);
  const out: Target[] = [];
  const r200 = at(200);
  const lib200 = get(r200, 'library');
  const cni200 = get(r200, 'cni');
  if (lib200 && cni200) {
    const ratio = cni200.perGuestMs / lib200.perGuestMs;
    out.push({ what: 'CNI bridge / library bulk, time per guest, N=200', value: `${ratio.toFixed(1)}x`, goal: '>= 10x', met: ratio >= 10 });
  }
  for (const r of runs) {
    const lib = get(r, 'library');
    const ipb = get(r, 'ip-batch');
    if (lib?.stages && ipb) {
      const ratio = lib.stages.links / ipb.totalMs;
      out.push({ what: `library link stage / ip -batch, N=${r.n}`, value: `${ratio.toFixed(2)}x`, goal: '<= 1.25x', met: ratio <= 1.25 });
    }
  }
  if (lib200?.stages) {
    const v = lib200.stages.guests / 200;
    out.push({ what: 'library in-guest work (up, address, route) per guest, N=200', value: `${v.toFixed(3)} ms`, goal: '< 0.3 ms', met: v < 0.3 });
  }
  const lib1000 = get(at(1000), 'library');
  if (lib1000?.rssKb) {
    const mb = lib1000.rssKb / 1024;
    out.push({ what: 'library peak RSS, N=1000', value: `${mb.toFixed(0)} MB`, goal: '< 150 MB', met: mb < 150 });
  }
  for (const r of runs) {
    const cli = get(r, 'cli');
    const up = get(r, 'pipework');
    if (cli && up) {
      const ratio = up.perGuestMs / cli.perGuestMs;
      out.push({ what: `upstream pipework as shipped / this CLI, one invocation, N=${r.n}`, value: `${ratio.toFixed(1)}x`, goal: '>= 5x', met: ratio >= 5 });
    }
  }
  return out;
}

const COLORS: Record<string, string> = {
  library: '#1f77b4',
  cli: '#2ca02c',
  cni: '#d62728',
  pipework: '#9467bd',
  'pipework-noarping': '#8c564b',
  'ip-batch': '#7f7f7f',
};

/** Per series (method), the points (N, ms per guest); the library also without its process start. */
function seriesOf(runs: Run[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  const add = (name: string, n: number, v: number) => {
    if (!(v > 0)) return;
    if (!out.has(name)) out.set(name, []);
    out.get(name)!.push([n, v]);
  };
  for (const r of runs) {
    for (const x of r.methods) {
      add(x.method, r.n, x.perGuestMs);
      if (x.method === 'library' && x.stages) add('library, in process', r.n, x.stages.total / r.n);
    }
  }
  return out;
}

/** Cost per guest (log scale) against N (log scale), one line per method. Plain SVG, written by hand. */
function svgChart(runs: Run[]): string {
  const W = 760;
  const H = 440;
  const m = { l: 70, r: 200, t: 40, b: 50 };
  const ns = runs.map((r) => r.n);
  const all = [...seriesOf(runs).values()].flatMap((pts) => pts.map(([, v]) => v));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xMin = Math.min(...ns) / 1.5;
  const xMax = Math.max(...ns) * 1.5;
  const px = (n: number) => m.l + ((Math.log(n) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="14">Wiring cost per guest against the number of guests on one bridge</text>`);
  for (let e = Math.round(Math.log10(yMin)); e <= Math.round(Math.log10(yMax)); e++) {
    const v = 10 ** e;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 8}" y="${py(v) + 4}" text-anchor="end">${e >= 0 ? String(v) : v.toFixed(-e)} ms</text>`);
  }
  for (const n of ns) {
    parts.push(`<line x1="${px(n)}" x2="${px(n)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${px(n)}" y="${H - m.b + 18}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">guests (N)</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/><line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  const series = seriesOf(runs);
  [...series.keys()].forEach((name, k) => {
    const color = COLORS[name.split(',')[0]] ?? '#000';
    const dash = name.includes(',') ? ' stroke-dasharray="5,4"' : '';
    const pts = series.get(name)!.map(([n, v]) => [px(n), py(v)] as const);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) parts.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = m.t + 10 + k * 20;
    parts.push(`<line x1="${W - m.r + 10}" x2="${W - m.r + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${W - m.r + 35}" y="${ly + 4}">${name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function report(runs: Run[], meta: Record<string, unknown>, args: Args): void {
  const out: string[] = [];
  for (const r of runs) {
    const lib = r.methods.find((x) => x.method === 'library');
    out.push(`\nN = ${r.n}`);
    const rows = [['method', 'guests timed', 'total ms', 'ms/guest', 'x library', 'ok', 'note']];
    for (const x of r.methods) {
      rows.push([x.method, String(x.timed), fmt(x.totalMs, 1), fmt(x.perGuestMs, 3), lib ? `${(x.perGuestMs / lib.perGuestMs).toFixed(1)}` : '-', x.ok ? 'yes' : 'NO', (x.note ?? '').slice(0, 70)]);
    }
    out.push(table(rows).trimEnd());
    if (lib?.stages) {
      const s = lib.stages;
      const order = ['validate', 'resolve', 'sockets', 'links', 'existing', 'guests', 'announce', 'fallback', 'rollback', 'close'];
      const rows2 = [['library stage', 'ms', 'ms/guest', 'share']];
      const whole = lib.totalMs;
      for (const k of order) if (s[k] > 0.05) rows2.push([k, fmt(s[k], 1), fmt(s[k] / r.n, 3), `${((s[k] / whole) * 100).toFixed(0)}%`]);
      rows2.push(['node start, module load, exit', fmt(lib.processMs, 1), fmt(lib.processMs! / r.n, 3), `${((lib.processMs! / whole) * 100).toFixed(0)}%`]);
      rows2.push(['total (process)', fmt(whole, 1), fmt(whole / r.n, 3), '100%']);
      out.push(table(rows2).trimEnd());
      out.push(`library: peak RSS ${(lib.rssKb! / 1024).toFixed(0)} MB, CPU ${fmt(lib.cpuMs, 0)} ms in wireMany; unwireMany of the same guests ${fmt(lib.unwireMs, 1)} ms`);
    }
  }
  const targets = targetsOf(runs);
  if (targets.length) {
    out.push('\ntargets (ratios from this run)');
    out.push(table([['', 'measured', 'goal', ''], ...targets.map((t) => [t.what, t.value, t.goal, t.met ? 'met' : 'NOT MET'])]).trimEnd());
  }
  out.push(`\n${meta.note}`);
  process.stdout.write(out.join('\n') + '\n');
  mkdirSync(args.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify({ ...meta, args, runs, targets }, null, 2) + '\n';
  writeFileSync(join(args.out, `bench-${stamp}.json`), json);
  writeFileSync(join(args.out, 'bench-latest.json'), json);
  writeFileSync(join(args.out, 'cost-per-guest.svg'), svgChart(runs));
  process.stdout.write(`\nwritten: ${join(args.out, `bench-${stamp}.json`)}, bench-latest.json, cost-per-guest.svg\n`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark makes network namespaces: run it as root');
  if (!existsSync(LIB)) throw new Error(`${LIB} is missing: run npm run build first`);
  const hasCni = args.cni && existsSync(CNI_BRIDGE);
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    cpus: cpus().length,
    loadavgAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    nsenterMs: hasCni || args.pipework ? nsenterCost() : undefined,
    note: '',
  };
  meta.note = [
    `node ${meta.node}, kernel ${meta.kernel}, ${meta.cpus} CPUs, load average at start ${meta.loadavgAtStart}; NODE_EXTRA_CA_CERTS unset for child processes.`,
    hasCni ? `cni runs behind nsenter --net= (${fmt(meta.nsenterMs)} ms per call, included).` : `cni skipped: ${args.cni ? `${CNI_BRIDGE} not found (apt-get install -y containernetworking-plugins)` : '--no-cni'}.`,
    args.pipework ? `upstream pipework: ${args.pipework}, guests found through a docker stub.` : 'upstream pipework skipped (give --pipework PATH).',
    'library and ip-batch: best of the runs; one-by-one methods: one pass.',
  ].join('\n');
  process.stderr.write(`${meta.note}\n`);
  const runs: Run[] = [];
  for (const n of args.sizes) {
    const run: Run = { n, methods: [] };
    runs.push(run);
    const step = async (label: string, f: () => Measure) => {
      process.stderr.write(`N=${n}: ${label}...`);
      await settle();
      const m = f();
      process.stderr.write(` ${fmt(m.perGuestMs, 3)} ms/guest${m.ok ? '' : ` (NOT OK: ${m.note ?? ''})`}\n`);
      return m;
    };
    // The library and its floor alternate, so that a change in the machine's load hits both alike.
    let lib: Measure | undefined;
    let ipb: Measure | undefined;
    const better = (a: Measure | undefined, b: Measure) => (!a || (b.ok && b.totalMs < a.totalMs) || !a.ok ? b : a);
    for (let k = 0; k < args.runs; k++) {
      lib = better(lib, await step(`library bulk (run ${k + 1}/${args.runs})`, () => runLibrary(n)));
      ipb = better(ipb, await step(`ip -batch (run ${k + 1}/${args.runs})`, () => runIpBatch(n)));
    }
    run.methods.push(lib!, ipb!);
    if (args.cli) run.methods.push(await step('this CLI, once per guest', () => runCli(n, args.sample)));
    if (hasCni) run.methods.push(await step('CNI bridge, once per guest', () => runCni(n, args.sample)));
    if (args.pipework) {
      run.methods.push(await step('upstream pipework with arping stubbed out', () => runPipework(args.pipework!, n, Math.min(args.sample, args.pipeworkSample * 5), true)));
      run.methods.push(await step('upstream pipework as shipped', () => runPipework(args.pipework!, n, args.pipeworkSample, false)));
    }
  }
  report(runs, meta, args);
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
