import test from 'ava';
import { capabilitiesFor } from '../../src/cli/capabilities.js';
import { parseArgs } from '../../src/cli/parse.js';
import { CAPABILITIES, missingCapabilities, requireCapabilities } from '../../src/netns/capabilities.js';
import { InputError } from '../../src/util/errors.js';

const bit = (c: keyof typeof CAPABILITIES) => 1n << BigInt(CAPABILITIES[c].bit);
const caps = (argv: string[]) => {
  const p = parseArgs(argv);
  return capabilitiesFor(p.command, p.global).sort();
};

test('what each command needs', (t) => {
  t.deepEqual(caps(['br1', 'web', '10.0.0.5/24']), ['CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN']);
  t.deepEqual(caps(['br1', 'web', '10.0.0.5/24', '--dry-run']), ['CAP_SYS_ADMIN']);
  t.deepEqual(caps(['ls']), ['CAP_SYS_ADMIN']);
  t.deepEqual(caps(['route', 'web', 'show']), ['CAP_SYS_ADMIN']);
  t.deepEqual(caps(['route', 'web', 'add', '10.9.0.0/16', 'via', '10.0.0.1']), ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
  t.deepEqual(caps(['tc', 'web', 'qdisc', 'show']), ['CAP_SYS_ADMIN']);
  t.deepEqual(caps(['--wait', '-i', 'eth1']), []);
});

test('the effective set decides; every missing capability is named with its reason', (t) => {
  const all = bit('CAP_NET_ADMIN') | bit('CAP_NET_RAW') | bit('CAP_SYS_ADMIN');
  t.deepEqual(missingCapabilities(['CAP_NET_ADMIN', 'CAP_NET_RAW'], all), []);
  t.deepEqual(missingCapabilities(['CAP_NET_ADMIN', 'CAP_NET_RAW'], all & ~bit('CAP_NET_RAW')), ['CAP_NET_RAW']);
  t.deepEqual(missingCapabilities(['CAP_NET_ADMIN'], undefined), [], 'unknown: left to the kernel');
  const e = t.throws(() => requireCapabilities(['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], 'pipework del', 0n), { instanceOf: InputError });
  t.regex(e.message, /pipework del needs CAP_NET_ADMIN \(to change links.*\), CAP_SYS_ADMIN \(to enter/);
});
