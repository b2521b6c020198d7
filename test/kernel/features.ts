// Which kernel features the running kernel has, found out by trying them in a scratch network namespace,
// and a way to register tests that need them.
//
// ava decides skip-or-run when a test is registered, so the probing happens at module load (top-level
// await in the test file). Under the host kernel a test whose features are missing is registered with
// test.skip and the reason in its title: it shows as skipped, never as passed. Under User-Mode Linux
// (PIPEWORK_UNDER_UML=1, set by scripts/uml/run.sh) the full kernel is expected to have everything: a
// missing feature there is a failing test, not a skip.
import test, { type ExecutionContext } from 'ava';
import { release } from 'node:os';
import { addNetns, deleteNetns, run, succeeds, CommandError } from '../helpers/netns.js';

export const underUml = process.env.PIPEWORK_UNDER_UML === '1';

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
  | 'netem';

/** For each probed feature: undefined when present, else why it is missing. */
export type FeatureReport = Record<Feature, string | undefined>;

function why(e: unknown): string {
  const msg = e instanceof CommandError ? e.stderr.trim() || e.message : (e as Error).message;
  return msg.split('\n')[0];
}

/** Tries each feature once; everything happens inside a namespace created and deleted here. */
export function probeKernel(): FeatureReport {
  const r = {} as FeatureReport;
  const all: Feature[] = ['root', 'netns', 'veth', 'ping', 'tc', 'vlan', 'ipvlan', 'macvlan', 'dummy', 'vrf', 'bond', 'bridge', 'bridge_vlan_filtering', 'netem'];
  const missingAll = (reason: string, from: Feature[]) => {
    for (const f of from) if (!(f in r)) r[f] = reason;
  };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    missingAll('not running as root', all);
    return r;
  }
  r.root = undefined;
  r.ping = succeeds('ping', ['-V']) ? undefined : 'ping (iputils-ping) is not installed';
  r.tc = succeeds('tc', ['-V']) ? undefined : 'tc (iproute2) is not installed';

  let ns: string;
  try {
    ns = addNetns('probe');
  } catch (e) {
    missingAll(`cannot create a network namespace: ${why(e)}`, all);
    return r;
  }
  r.netns = undefined;
  const ip = (...args: string[]) => run('ip', ['-n', ns, ...args]);
  const attempt = (f: Feature, fn: () => void) => {
    try {
      fn();
      r[f] = undefined;
    } catch (e) {
      r[f] = `kernel ${release()}: ${why(e)}`;
    }
  };
  try {
    attempt('veth', () => ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'));
    if (r.veth === undefined) {
      attempt('vlan', () => ip('link', 'add', 'link', 'p0', 'name', 'p0.7', 'type', 'vlan', 'id', '7'));
      attempt('ipvlan', () => ip('link', 'add', 'link', 'p0', 'name', 'iv0', 'type', 'ipvlan', 'mode', 'l2'));
      attempt('macvlan', () => ip('link', 'add', 'link', 'p1', 'name', 'mv0', 'type', 'macvlan', 'mode', 'bridge'));
      if (r.tc === undefined) attempt('netem', () => run('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'p0', 'root', 'netem', 'delay', '1ms']));
    } else {
      missingAll('veth is not available', ['vlan', 'ipvlan', 'macvlan', 'netem']);
    }
    if (r.tc !== undefined) missingAll(r.tc, ['netem']);
    attempt('dummy', () => ip('link', 'add', 'dm0', 'type', 'dummy'));
    attempt('vrf', () => ip('link', 'add', 'vrf0', 'type', 'vrf', 'table', '10'));
    attempt('bond', () => ip('link', 'add', 'bond0', 'type', 'bond'));
    attempt('bridge', () => ip('link', 'add', 'br0', 'type', 'bridge'));
    if (r.bridge === undefined) {
      attempt('bridge_vlan_filtering', () => ip('link', 'add', 'br1', 'type', 'bridge', 'vlan_filtering', '1'));
    } else {
      r.bridge_vlan_filtering = r.bridge;
    }
  } finally {
    deleteNetns(ns);
  }
  return r;
}

let cached: FeatureReport | undefined;
export function kernelFeatures(): FeatureReport {
  cached ??= probeKernel();
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
 * Missing under the host kernel: a skipped test whose title carries the reason. Missing under UML: a
 * failing test saying which feature the full kernel lacks.
 */
export function kernelTest(title: string, features: readonly Feature[], impl: Impl): void {
  const reason = missing(features);
  if (reason === undefined) {
    test(title, async (t) => {
      t.log(`kernel ${release()}${underUml ? ' (User-Mode Linux)' : ''}`);
      await impl(t);
    });
  } else if (underUml) {
    test(title, (t) => {
      t.log(`kernel ${release()} (User-Mode Linux)`);
      t.fail(`the UML kernel lacks a feature this test needs: ${reason}`);
    });
  } else {
    test.skip(`${title} [skipped: needs a full kernel, run \`npm run test:kernel\`; ${reason}]`, impl);
  }
}
