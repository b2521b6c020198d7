// `npm run bench:cni`: the CNI plugin against the reference `bridge` plugin, in the same run, on
// throwaway namespaces (pwbc<pid>-…; the root namespace is never touched).
//   libcni     ADD+DEL cycles through libcni (the test's Go driver, test/helpers/cni-driver), both
//              plugins with host-local IPAM (private dataDirs), rounds interleaved so that load
//              drift hits both alike; the driver's own start is not counted
//   ctr        `ctr run --cni --rm` end to end (a private containerd, a busybox rootfs), with our
//              plugin, the bridge plugin, and without --cni; interleaved
//   profile    where our plugin's time goes (PIPEWORK_CNI_PROFILE marks), and node's bare start
// Goals (issue 12): ADD+DEL within 2x the bridge plugin's; container start within 1.2x.
//
//   npm run bench:cni [-- --cycles 40 --runs 15]
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REF = '/usr/lib/cni';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const CYCLES = arg('--cycles', 40);
const RUNS = arg('--runs', 15);
const ROUNDS = 4;

const env: NodeJS.ProcessEnv = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // a runtime's environment has no reason to carry it (~70 ms per node start)

function sh(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const f1 = (x: number) => x.toFixed(1);

for (const need of [join(ROOT, 'dist/bundle/cni.mjs'), join(REF, 'bridge'), join(REF, 'host-local'), '/usr/share/gocode/src/github.com/containernetworking/cni/libcni']) {
  if (!existsSync(need)) {
    process.stderr.write(`bench-cni: ${need} is missing (npm run build; apt-get install containernetworking-plugins golang-go golang-github-appc-cni-dev)\n`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'pwbc-'));
const HOST = `pwbc${process.pid}-h`;
const GUEST = `pwbc${process.pid}-g`;
let containerd: ChildProcess | undefined;

function cleanup(): void {
  if (containerd && containerd.exitCode === null) containerd.kill('SIGTERM');
  for (const ns of [HOST, GUEST]) spawnSync('ip', ['netns', 'delete', ns]);
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function conflist(dir: string, name: string, plugin: object): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `00-${name}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name, plugins: [plugin] }));
  return dir;
}

interface Cycle {
  add: number;
  del: number;
}

function libcniCycles(driver: string, netd: string, name: string, bin: string, n: number): Cycle[] {
  const out = sh('ip', ['netns', 'exec', HOST, driver, 'cycles', String(n), netd, name, 'bench', `/var/run/netns/${GUEST}`, 'eth0', join(work, 'cache'), bin, REF]);
  return out.trim().split('\n').map((l) => {
    const [add, del] = l.split(' ').map(Number);
    return { add, del };
  });
}

function summary(label: string, cycles: Cycle[]): { add: number; del: number; cycle: number } {
  const s = { add: median(cycles.map((c) => c.add)), del: median(cycles.map((c) => c.del)), cycle: median(cycles.map((c) => c.add + c.del)) };
  process.stdout.write(`  ${label.padEnd(10)} ADD ${f1(s.add).padStart(6)} ms   DEL ${f1(s.del).padStart(6)} ms   ADD+DEL ${f1(s.cycle).padStart(6)} ms  (median of ${cycles.length})\n`);
  return s;
}

async function startContainerd(): Promise<string> {
  const dir = join(work, 'containerd');
  mkdirSync(dir);
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(config, `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${socket}"\n[ttrpc]\n  address = "${socket}.ttrpc"\n`);
  containerd = spawn('containerd', ['--config', config], { stdio: 'ignore', env });
  for (let i = 0; i < 750 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(socket)) throw new Error('containerd did not start');
  return socket;
}

function rootfs(): string {
  const root = join(work, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  symlinkSync('busybox', join(root, 'bin/true'));
  return root;
}

/** One `ctr run --rm` in the host netns, with ETC and BIN laid over /etc and /usr/lib/cni; ms. */
function ctrRun(socket: string, root: string, id: string, cni: { etc: string; bin?: string } | undefined): number {
  const q = (s: string) => `'${s}'`;
  let mounts = cni ? `mount -t overlay pwbc -o lowerdir=${q(cni.etc)}:/etc /etc && ` : '';
  if (cni?.bin) mounts += `mount -t overlay pwbc -o lowerdir=${q(cni.bin)}:/usr/lib/cni /usr/lib/cni && `;
  // the mounts are made before the clock starts: only ctr is timed
  const script = `set -e; ${mounts}s=$(date +%s%N); ctr -a ${q(socket)} run ${cni ? '--cni ' : ''}--rm --rootfs ${q(root)} ${id} /bin/true >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 ))`;
  return Number(sh('ip', ['netns', 'exec', HOST, 'sh', '-c', script]).trim()) / 1000;
}

function profile(bin: string, conf: object): void {
  const marks: Record<string, number[]> = {};
  const callEnv = { CNI_NETNS: `/var/run/netns/${GUEST}`, CNI_IFNAME: 'eth0', CNI_CONTAINERID: 'prof', CNI_PATH: `${bin}:${REF}`, PIPEWORK_CNI_PROFILE: '1' };
  for (let i = 0; i < 10; i++) {
    for (const command of ['ADD', 'DEL']) {
      const r = spawnSync('ip', ['netns', 'exec', HOST, join(bin, 'pipework')], { input: JSON.stringify(conf), env: { ...env, ...callEnv, CNI_COMMAND: command }, encoding: 'utf8' });
      const line = /pipework-cni profile: (.*)/.exec(r.stderr)?.[1] ?? '';
      let prev = 0;
      for (const part of line.split(', ')) {
        const [label, at] = part.split(' ');
        (marks[`${command} ${label}`] ??= []).push(Number(at) - prev);
        prev = Number(at);
      }
    }
  }
  const starts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { env });
    starts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  process.stdout.write(`  node -e 0 (bare start and exit): ${f1(median(starts))} ms\n`);
  for (const command of ['ADD', 'DEL']) {
    const parts = Object.entries(marks).filter(([k]) => k.startsWith(command));
    process.stdout.write(`  ${command}: ${parts.map(([k, v]) => `${k.slice(command.length + 1)} +${f1(median(v))}`).join(', ')} ms\n`);
  }
  process.stdout.write('  (loaded = node start + bundle and koffi load; session = host netlink socket; ipam = host-local exec; wired/removed = the kernel work; done = result out)\n');
}

async function main(): Promise<void> {
  for (const ns of [HOST, GUEST]) sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', HOST, 'link', 'set', 'lo', 'up']);
  const bin = join(work, 'bin');
  sh(process.execPath, [join(ROOT, 'bin/pipework.js'), 'cni', 'install', '--dir', bin]);
  const driver = join(work, 'driver');
  sh('go', ['build', '-o', driver, join(ROOT, 'test/helpers/cni-driver/main.go')], { env: { GO111MODULE: 'off', GOPATH: `${join(work, 'gopath')}:/usr/share/gocode` } });
  const ipam = (sub: string) => ({ type: 'host-local', dataDir: join(work, `ipam-${sub}`), ranges: [[{ subnet: `10.${sub}.0.0/16` }]], routes: [{ dst: '0.0.0.0/0' }] });
  const ours = { type: 'pipework', bridge: 'brpw', ipam: ipam('71') };
  const ref = { type: 'bridge', bridge: 'brref', ipam: ipam('72') };
  const netdOurs = conflist(join(work, 'etc-pw/cni/net.d'), 'pw', ours);
  const netdRef = conflist(join(work, 'etc-ref/cni/net.d'), 'ref', ref);

  process.stdout.write(`libcni ADD+DEL cycles (${CYCLES} each, ${ROUNDS} interleaved rounds):\n`);
  const mine: Cycle[] = [];
  const theirs: Cycle[] = [];
  libcniCycles(driver, netdOurs, 'pw', bin, 2); // warm-up: bridges made, caches filled
  libcniCycles(driver, netdRef, 'ref', bin, 2);
  for (let r = 0; r < ROUNDS; r++) {
    mine.push(...libcniCycles(driver, netdOurs, 'pw', bin, Math.ceil(CYCLES / ROUNDS)));
    theirs.push(...libcniCycles(driver, netdRef, 'ref', bin, Math.ceil(CYCLES / ROUNDS)));
  }
  const a = summary('pipework', mine);
  const b = summary('bridge', theirs);
  process.stdout.write(`  ratio pipework/bridge: ADD ${(a.add / b.add).toFixed(2)}x, DEL ${(a.del / b.del).toFixed(2)}x, ADD+DEL ${(a.cycle / b.cycle).toFixed(2)}x (goal <= 2x)\n\n`);

  process.stdout.write('where the time of our plugin goes (direct calls, medians of 10):\n');
  profile(bin, { cniVersion: '1.0.0', name: 'pw', ...ours });
  process.stdout.write('\n');

  if (!existsSync('/usr/bin/ctr') || !existsSync('/usr/bin/containerd')) {
    process.stdout.write('ctr run: skipped (containerd not installed)\n');
    return;
  }
  const socket = await startContainerd();
  const root = rootfs();
  const modes = { none: undefined, bridge: { etc: join(work, 'etc-ref') }, pipework: { etc: join(work, 'etc-pw'), bin } } as const;
  const times: Record<string, number[]> = { none: [], bridge: [], pipework: [] };
  let n = 0;
  for (const [mode, cni] of Object.entries(modes)) ctrRun(socket, root, `warm-${mode}`, cni);
  for (let i = 0; i < RUNS; i++) for (const [mode, cni] of Object.entries(modes)) times[mode].push(ctrRun(socket, root, `pwbc-${n++}`, cni));
  process.stdout.write(`ctr run --rm end to end (median of ${RUNS}, interleaved):\n`);
  for (const mode of Object.keys(modes)) process.stdout.write(`  ${mode.padEnd(10)} ${f1(median(times[mode]))} ms\n`);
  const ratio = median(times.pipework) / median(times.bridge);
  process.stdout.write(`  ratio pipework/bridge: ${ratio.toFixed(2)}x (goal <= 1.2x)\n`);
}

try {
  await main();
} finally {
  cleanup();
}
