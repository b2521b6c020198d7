import test from 'ava';
import { parseArgs, UsageError } from '../../src/cli/parse.js';
import { InputError } from '../../src/util/errors.js';

const wire = (argv: string[]) => {
  const { command } = parseArgs(argv);
  if (command.verb !== 'wire') throw new Error(`expected wire, got ${command.verb}`);
  return command;
};

test("pipework's fixed order: hostif -i -l -a guest address mac@vlan", (t) => {
  const c = wire(['br1', '-i', 'eth2', '-l', 'vweb', '-a', '4', 'web', '10.0.0.5/24@10.0.0.1', '02:00:00:00:00:01@7']);
  t.deepEqual(c.spec, { host: 'br1', guest: 'web', addresses: '10.0.0.5/24@10.0.0.1', ifname: 'eth2', local: 'vweb', mac: '02:00:00:00:00:01', vlan: 7, pkey: '7' });
  t.is(c.family, 4);
});

test('options in any order and place', (t) => {
  const a = wire(['-l', 'vweb', 'br1', 'web', '-i', 'eth2', '10.0.0.5/24', '--mtu', '9000']);
  t.is(a.spec.ifname, 'eth2');
  t.is(a.spec.local, 'vweb');
  t.is(a.spec.mtu, 9000);
  const b = wire(['br1', 'web', '10.0.0.5/24', '-i', 'eth3', '--dry-run']);
  t.is(b.spec.ifname, 'eth3');
  t.true(parseArgs(['br1', 'web', '10.0.0.5/24', '--dry-run']).global.dryRun);
  t.is(parseArgs(['--host-netns=h1', 'br1', 'web', '10.0.0.5/24']).global.hostNetns, 'h1');
});

test('[MAC][@VLAN]: @10 is a VLAN without a MAC', (t) => {
  t.deepEqual(wire(['eth0', 'web', '10.0.0.5/24', '@10']).spec.vlan, 10);
  t.is(wire(['eth0', 'web', '10.0.0.5/24', '@10']).spec.mac, undefined);
  t.is(wire(['br0', 'web', '10.0.0.5/24', 'U:web']).spec.mac, 'U:web');
  t.throws(() => wire(['eth0', 'web', '10.0.0.5/24', '@x']), { instanceOf: InputError, message: /VLAN "x"/ });
  // IPoIB partition keys are hex: kept as text for the driver that wants them
  const ib = wire(['ib0', 'web', '10.0.0.5/24', '@8001']).spec;
  t.is(ib.pkey, '8001');
  t.is(wire(['ib0', 'web', '10.0.0.5/24', '@800a']).spec.vlan, undefined);
  t.is(wire(['ib0', 'web', '10.0.0.5/24', '@800a']).spec.pkey, '800a');
});

test('--direct-phys, --kind, --mode / --macvlan-mode', (t) => {
  const c = wire(['--direct-phys', 'eth2', 'web', '10.0.0.5/24']);
  t.true(c.spec.directPhys);
  t.is(wire(['eth0', '--kind', 'ipvlan', '--mode', 'l3', 'web', '10.0.0.5/24']).spec.kind, 'ipvlan');
  t.is(wire(['eth0', '--macvlan-mode', 'vepa', 'web', '10.0.0.5/24']).spec.mode, 'vepa');
});

test('del, route/rule/tc passthrough, ls, --wait', (t) => {
  t.deepEqual(parseArgs(['del', 'web', '-i', 'eth2']).command, { verb: 'del', guest: 'web', ifname: 'eth2', file: undefined });
  // everything after the guest goes through untouched, options included
  t.deepEqual(parseArgs(['route', 'web', 'add', '10.0.0.0/8', 'via', '10.0.0.1', '-i', 'x']).command, {
    verb: 'route',
    guest: 'web',
    args: ['add', '10.0.0.0/8', 'via', '10.0.0.1', '-i', 'x'],
  });
  t.deepEqual(parseArgs(['--json', 'tc', 'web', 'qdisc', 'show']).command, { verb: 'tc', guest: 'web', args: ['qdisc', 'show'] });
  t.true(parseArgs(['--json', 'tc', 'web', 'qdisc', 'show']).global.json);
  t.deepEqual(parseArgs(['ls']).command, { verb: 'ls', guest: undefined });
  t.deepEqual(parseArgs(['--wait', '-i', 'eth3', '--timeout', '5']).command, { verb: 'wait', ifname: 'eth3', timeout: 5 });
  t.deepEqual(parseArgs(['--wait']).command, { verb: 'wait', ifname: 'eth1', timeout: undefined });
});

test('usage errors', (t) => {
  const bad: [string[], RegExp][] = [
    [[], /nothing to do/],
    [['br1'], /missing the guest and the address/],
    [['br1', 'web'], /missing the address/],
    [['br1', 'web', '10.0.0.5/24', 'mac', 'extra'], /too many arguments/],
    [['br1', '--bogus', 'web', '10.0.0.5/24'], /unknown option --bogus/],
    [['br1', 'web', '10.0.0.5/24', '-i'], /-i needs a value/],
    [['br1', '-i', 'a', '-i', 'b', 'web', '10.0.0.5/24'], /given twice/],
    [['br1', '-a', '5', 'web', '10.0.0.5/24'], /-a takes 4 or 6/],
    [['br1', 'web', '10.0.0.5/24', '--mtu', 'big'], /--mtu takes a number/],
    [['del'], /del needs a guest/],
    [['route'], /route needs a guest/],
    [['apply'], /apply takes its wirings from a file/],
  ];
  for (const [argv, message] of bad) t.throws(() => parseArgs(argv), { instanceOf: UsageError, message }, argv.join(' '));
});
