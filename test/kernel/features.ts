// Which kernel features the running kernel has, found out by trying them in a scratch network namespace,
// and a way to register tests that need them.
//
// ava decides skip-or-run when a test is registered, so the probing happens at module load (top-level
// await in the test file). Under the host kernel a test whose features are missing is registered with
// test.skip and the reason in its title: it shows as skipped, never as passed. Under the VM runner
// (PIPEWORK_UNDER_VM=uml|qemu, set by scripts/vm/run.sh) the full kernel is expected to have everything: a
// missing feature there is a failing test, not a skip.
import test, { type ExecutionContext } from 'ava';
import { accessSync, constants, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addNetns, deleteNetns, run, CommandError } from '../helpers/netns.js';

/** Which VM runner this process runs under ('uml' or 'qemu'), or undefined on the host's own kernel. */
export const vmKind: 'uml' | 'qemu' | undefined = ((v) => (v === 'uml' || v === 'qemu' ? v : undefined))(process.env.PIPEWORK_UNDER_VM);
export const underVm = vmKind !== undefined;
/** How the kernel under test is described in test logs. */
export const kernelLabel = (): string =>
  `kernel ${release()}${vmKind === 'uml' ? ' (User-Mode Linux)' : vmKind === 'qemu' ? ' (QEMU/TCG)' : ' (host)'}`;

export type Feature =
  | 'root'
  | 'netns'
  | 'veth'
  | 'ping'
  | 'tc'
  | 'vlan'
  | 'ipvlan'
  | 'macvlan'
  | 'dummy'
  | 'vrf'
  | 'bond'
  | 'bridge'
  | 'bridge_vlan_filtering'
  | 'netem'
  | 'vxlan'
  | 'openvswitch';

/** For each probed feature: undefined when present, else why it is missing. */
export type FeatureReport = Record<Feature, string | undefined>;

function why(e: unknown): string {
  const msg = e instanceof CommandError ? e.stderr.trim() || e.message : (e as Error).message;
  return msg.split('\n')[0];
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The links tried, one `ip -batch` line each, in a scratch namespace: a few processes in all, which
 * matters in a VM, where each process costs a tenth of a second (UML) to a second (QEMU/TCG).
 */
const LINK_PROBES: [Feature, string][] = [
  ['veth', 'link add p0 type veth peer name p1'],
  ['vlan', 'link add link p0 name p0.7 type vlan id 7'],
  ['ipvlan', 'link add link p0 name iv0 type ipvlan mode l2'],
  ['macvlan', 'link add link p1 name mv0 type macvlan mode bridge'],
  ['dummy', 'link add dm0 type dummy'],
  ['vrf', 'link add vrf0 type vrf table 10'],
  ['bond', 'link add bond0 type bond'],
  ['bridge', 'link add br0 type bridge'],
  ['bridge_vlan_filtering', 'link add br1 type bridge vlan_filtering 1'],
  ['vxlan', 'link add vx0 type vxlan id 42 dstport 4789 dev p0'],
];
const NEEDS_VETH: Feature[] = ['vlan', 'ipvlan', 'macvlan', 'netem', 'vxlan'];

/**
 * Open vSwitch's kernel datapath: a module (loaded here if it is not yet) and the daemons that drive it.
 * Loading a module is the kernel's business, and harmless: on a kernel without loadable modules it fails.
 */
function probeOpenvswitch(): string | undefined {
  if (!onPath('ovs-vswitchd') || !onPath('ovsdb-server')) return 'ovs-vswitchd (openvswitch-switch) is not installed';
  try {
    accessSync('/sys/module/openvswitch');
    return undefined;
  } catch {
    // not loaded (or not built in): try to load it
  }
  try {
    run('modprobe', ['openvswitch']);
    return undefined;
  } catch (e) {
    return `kernel ${release()}: no openvswitch module (${why(e)})`;
  }
}

/** Tries each feature once; everything happens inside a namespace created and deleted here. */
export function probeKernel(): FeatureReport {
  const r = {} as FeatureReport;
  const all: Feature[] = ['root', 'netns', 'veth', 'ping', 'tc', ...LINK_PROBES.map(([f]) => f).filter((f) => f !== 'veth'), 'netem', 'openvswitch'];
  const missingAll = (reason: string, from: Feature[]) => {
    for (const f of from) if (!(f in r)) r[f] = reason;
  };
  Object.assign(r, tools());
  if (r.root !== undefined) {
    missingAll(r.root, all);
    return r;
  }

  let ns: string;
  try {
    ns = addNetns('probe');
  } catch (e) {
    missingAll(`cannot create a network namespace: ${why(e)}`, all);
    return r;
  }
  r.netns = undefined;
  r.openvswitch = probeOpenvswitch();
  try {
    // ip -force -batch goes on after a failed line and reports "<error>\nCommand failed -:<line>".
    let stderr = '';
    try {
      run('ip', ['-n', ns, '-force', '-batch', '-'], { input: LINK_PROBES.map(([, line]) => line).join('\n') + '\n' });
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      stderr = e.stderr;
    }
    const failed = new Map<number, string>();
    let text: string[] = [];
    for (const line of stderr.split('\n')) {
      const m = /^Command failed -:(\d+)/.exec(line);
      if (m) {
        failed.set(Number(m[1]), text.join(' ').trim() || 'failed');
        text = [];
      } else if (line.trim()) {
        text.push(line.trim());
      }
    }
    LINK_PROBES.forEach(([f], i) => {
      const err = failed.get(i + 1);
      r[f] = err === undefined ? undefined : `kernel ${release()}: ${err}`;
    });
    if (r.veth !== undefined) {
      for (const f of NEEDS_VETH) r[f] = 'not probed: veth is not available';
    } else if (r.tc !== undefined) {
      r.netem = r.tc;
    } else {
      try {
        run('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'p0', 'root', 'netem', 'delay', '1ms']);
        r.netem = undefined;
      } catch (e) {
        r.netem = `kernel ${release()}: ${why(e)}`;
      }
    }
    if (r.bridge !== undefined) r.bridge_vlan_filtering = r.bridge;
  } finally {
    deleteNetns(ns);
  }
  return r;
}

/**
 * The probe's result is kept per kernel and boot (each test file is a process of its own, and would
 * otherwise probe again): in the temporary folder, named after the kernel release and boot id.
 */
function cacheFile(): string | undefined {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const uid = typeof process.getuid === 'function' ? process.getuid() : 'x';
    // v2: the set of features probed; an older file lacks some of them.
    return join(tmpdir(), `pipework-kernel-features-v2-${uid}-${release()}-${bootId}.json`);
  } catch {
    return undefined;
  }
}

/** What is not the kernel's business, checked afresh every time (no process is started for it). */
function tools(): Pick<FeatureReport, 'root' | 'ping' | 'tc'> {
  return {
    root: typeof process.getuid === 'function' && process.getuid() !== 0 ? 'not running as root' : undefined,
    ping: onPath('ping') ? undefined : 'ping (iputils-ping) is not installed',
    tc: onPath('tc') ? undefined : 'tc (iproute2) is not installed',
  };
}

let cached: FeatureReport | undefined;
export function kernelFeatures(): FeatureReport {
  if (cached) return cached;
  const file = cacheFile();
  if (file && process.env.PIPEWORK_PROBE_FRESH !== '1') {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | null>;
      const r = Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, v ?? undefined])) as FeatureReport;
      const now = tools();
      if (now.root === undefined) {
        Object.assign(r, now);
        if (now.tc !== undefined) r.netem = now.tc;
        cached = r;
        return cached;
      }
    } catch {
      // not there yet, or unreadable: probe
    }
  }
  cached = probeKernel();
  // Only a complete probe of the kernel is kept (run as root, with netns, veth and tc available).
  if (file && cached.root === undefined && cached.netns === undefined && cached.veth === undefined && cached.tc === undefined) {
    try {
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(Object.entries(cached).map(([k, v]) => [k, v ?? null]))));
      renameSync(tmp, file);
    } catch {
      // the cache is an optimization only
    }
  }
  return cached;
}

/** Why the given features cannot be used here, or undefined when all are present. */
export function missing(features: readonly Feature[]): string | undefined {
  const report = kernelFeatures();
  const gone = features.filter((f) => report[f] !== undefined);
  if (!gone.length) return undefined;
  return gone.map((f) => `${f}: ${report[f]}`).join('; ');
}

type Impl = (t: ExecutionContext) => void | Promise<void>;

/**
 * Registers a test that needs kernel features. Present: a normal test that first logs the kernel version.
 * Missing under the host kernel: a skipped test whose title carries the reason. Missing in the VM: a
 * failing test saying which feature the full kernel lacks.
 */
export function kernelTest(title: string, features: readonly Feature[], impl: Impl): void {
  const reason = missing(features);
  if (reason === undefined) {
    test(title, async (t) => {
      t.log(kernelLabel());
      await impl(t);
    });
  } else if (underVm) {
    test(title, (t) => {
      t.log(kernelLabel());
      t.fail(`the VM's kernel lacks a feature this test needs: ${reason}`);
    });
  } else {
    test.skip(`${title} [skipped: needs a full kernel, run \`npm run test:kernel\`; ${reason}]`, impl);
  }
}
