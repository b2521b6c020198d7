// The wiring files of `pipework apply -f` / `del -f`: parsing (JSON, YAML) and the validation of
// every entry before anything is touched. Pure: no kernel.
import test from 'ava';
import { parseWiringsText, toTargets, toWirings, WiringFileError } from '../../src/cli/apply.js';
import { validateSpecs } from '../../src/wire/bulk.js';

const problemsOf = (list: unknown[]) => {
  try {
    toWirings(list, 'w.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof WiringFileError)) throw e;
    return e.problems;
  }
};

test('YAML and JSON lists of wirings parse to the same specs', (t) => {
  const yaml = `
- host: br0
  guest: netns:g1
  ifname: eth1
  address: 10.0.0.5/24@10.0.0.1
  mac: 02:42:ac:11:00:02
  vlan: 7
  local: vethg1
- {host: br0, guest: "netns:g2", address: "10.0.0.6/24,fd00::6/64", mtu: 1400}
`;
  const json = JSON.stringify([
    { host: 'br0', guest: 'netns:g1', ifname: 'eth1', address: '10.0.0.5/24@10.0.0.1', mac: '02:42:ac:11:00:02', vlan: 7, local: 'vethg1' },
    { host: 'br0', guest: 'netns:g2', address: '10.0.0.6/24,fd00::6/64', mtu: 1400 },
  ]);
  const fromYaml = toWirings(parseWiringsText(yaml, 'w.yaml'));
  const fromJson = toWirings(parseWiringsText(json, 'w.json'));
  t.deepEqual(fromYaml, fromJson);
  t.deepEqual(fromYaml[0], { host: 'br0', guest: 'netns:g1', ifname: 'eth1', addresses: '10.0.0.5/24@10.0.0.1', mac: '02:42:ac:11:00:02', vlan: 7, local: 'vethg1' });
  t.deepEqual(fromYaml[1], { host: 'br0', guest: 'netns:g2', addresses: '10.0.0.6/24,fd00::6/64', mtu: 1400 });
  // JSON is YAML too: a .yaml file may hold JSON.
  t.deepEqual(toWirings(parseWiringsText(json, 'w.yaml')), fromJson);
});

test('a file that is not a list, empty, or not parseable is refused as a whole', (t) => {
  t.throws(() => parseWiringsText('', 'w.yaml'), { instanceOf: WiringFileError, message: /w\.yaml is empty/ });
  t.throws(() => parseWiringsText('host: br0\nguest: g1\n', 'w.yaml'), { instanceOf: WiringFileError, message: /should hold a list of wirings \(got a mapping\)/ });
  t.throws(() => parseWiringsText('"just text"', 'w.json'), { instanceOf: WiringFileError, message: /got a string/ });
  t.throws(() => parseWiringsText('[{"host": "br0",', 'w.json'), { instanceOf: WiringFileError, message: /w\.json is not valid JSON/ });
  t.throws(() => parseWiringsText('- host: [br0\n', 'w.yaml'), { instanceOf: WiringFileError, message: /w\.yaml is not valid YAML or JSON/ });
  t.deepEqual(toWirings(parseWiringsText('[]', 'w.json')), []);
});

test('every bad entry is reported with its index, and the good ones do not hide them', (t) => {
  const list = [
    { host: 'br0', guest: 'netns:ok0', address: '10.0.0.2/24' }, // 0 fine
    { host: 'br0', guest: 'netns:g1' }, // 1 address missing
    { guest: 'netns:g2', address: '10.0.0.3/24' }, // 2 host missing
    { host: 'br0', guest: 'netns:g3', address: '10.0.0.4' }, // 3 no netmask
    { host: 'br0', guest: 'netns:g4', address: '10.0.0.5/24', colour: 'blue' }, // 4 unknown field
    { host: 'br0', guest: 'netns:g5', address: '10.0.0.6/24', vlan: 'seven' }, // 5 vlan not a number
    { host: 'br0', guest: 'netns:g6', address: '10.0.0.7/24', mac: 'zz:00:00:00:00:01' }, // 6 bad MAC
    'netns:g7', // 7 not a mapping
    { host: 'br0', guest: 'netns:g8', address: '10.0.0.9/24', ifname: 'averyveryverylongname' }, // 8 name too long
    { host: 'br0', guest: 'netns:ok9', address: '10.0.0.10/24' }, // 9 fine
    { host: 'br0', guest: 'netns:g10', address: '10.0.0.11/24', mac: 123456 }, // 10 mac as a number
    { host: 'br0', guest: 'netns:g11', address: '10.0.0.12/24@fd00::1' }, // 11 gateway of the other family
  ];
  const problems = problemsOf(list);
  t.deepEqual(problems.map((p) => p.index), [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
  const msg = (i: number) => problems.find((p) => p.index === i)!.message;
  t.regex(msg(1), /address is missing/);
  t.regex(msg(2), /host is missing/);
  t.regex(msg(3), /should include a netmask/);
  t.regex(msg(4), /unknown field "colour"/);
  t.regex(msg(5), /vlan should be a whole number/);
  t.regex(msg(6), /not six hex bytes/);
  t.regex(msg(7), /an entry is a mapping/);
  t.regex(msg(8), /15/);
  t.regex(msg(10), /mac should be a string.*quote it/);
  t.regex(msg(11), /gateway fd00::1 is IPv6 but address 10\.0\.0\.12\/24 is IPv4/);

  const e = t.throws(() => toWirings(list, 'w.yaml'), { instanceOf: WiringFileError });
  t.regex(e!.message, /^w\.yaml: 10 of 12 entries are invalid; nothing was changed/);
  t.regex(e!.message, /\n {2}entry 3 \(netns:g3\): The IP address should include a netmask/);
});

test('the same guest interface or host-side name twice is an error naming the first entry', (t) => {
  const problems = problemsOf([
    { host: 'br0', guest: 'netns:a', address: '10.0.0.2/24' },
    { host: 'br0', guest: 'netns:b', address: '10.0.0.3/24', local: 'vb' },
    { host: 'br0', guest: 'bad', address: 'nope' }, // 2: bad, and not counted for the indices below
    { host: 'br1', guest: 'netns:a', address: '10.0.1.2/24' }, // 3: eth1 in netns:a again
    { host: 'br0', guest: 'netns:a', ifname: 'eth2', address: '10.0.2.2/24' }, // 4: another interface: fine
    { host: 'br0', guest: 'netns:c', address: '10.0.0.4/24', local: 'vb' }, // 5: local name again
  ]);
  t.deepEqual(problems.map((p) => p.index), [2, 3, 5]);
  t.regex(problems[1].message, /eth1 in netns:a is already wired by entry 0/);
  t.regex(problems[2].message, /host-side name vb is also used by entry 1/);
});

test('numbers may be given as digit strings; null fields count as absent', (t) => {
  const [spec] = toWirings([{ host: 'br0', guest: 'netns:a', address: '10.0.0.2/24', vlan: '7', mtu: '1400', mac: null }]);
  t.is(spec.vlan, 7);
  t.is(spec.mtu, 1400);
  t.false('mac' in spec);
});

test('del -f takes the same file: only guest is required, host and address are allowed', (t) => {
  const targets = toTargets([
    { host: 'br0', guest: 'netns:a', address: '10.0.0.2/24' },
    { guest: 'netns:b', ifname: 'eth2' },
  ]);
  t.deepEqual(targets, [
    { guest: 'netns:a', ifname: undefined },
    { guest: 'netns:b', ifname: 'eth2' },
  ]);
  const e = t.throws(() => toTargets([{ ifname: 'eth1' }, { guest: 'netns:x', ifname: 'a b' }, { guest: 'netns:y', extra: 1 }], 'd.yaml'), { instanceOf: WiringFileError });
  t.deepEqual(e!.problems.map((p) => p.index), [0, 1, 2]);
  t.regex(e!.problems[0].message, /guest is missing/);
  t.regex(e!.problems[1].message, /contains a space/);
  t.regex(e!.problems[2].message, /unknown field "extra"/);
});

test('validateSpecs checks library spec lists the same way (indices into the list)', (t) => {
  const problems = validateSpecs([
    { host: 'br0', guest: 'netns:a', addresses: '10.0.0.2/24' },
    { host: '', guest: 'netns:b', addresses: '10.0.0.3/24' },
    { host: 'br0', guest: '', addresses: '10.0.0.4/24' },
    { host: 'br0', guest: 'netns:d', addresses: '10.0.0.5/24', mtu: 20 },
  ]);
  t.deepEqual(problems.map((p) => p.index), [1, 2, 3]);
  t.regex(problems[0].message, /no host interface given/);
  t.regex(problems[1].message, /no guest given/);
  t.regex(problems[2].message, /MTU 20 is out of range/);
});

test('every CLI option has a field of the same name, checked as the command line checks it', (t) => {
  const specs = toWirings(
    [
      { host: 'eth0', guest: 'netns:a', address: '10.0.0.5/24', kind: 'ipvlan', mode: 'l3' },
      { host: 'eth0', guest: 'netns:b', address: 'dhcp', directPhys: true, keep: true, timeout: 5, resolvConf: 'container' },
      { host: 'ib0', guest: 'netns:c', address: '10.0.0.7/24', pkey: '8001' },
    ],
    'w.yaml',
  );
  t.like(specs[0], { kind: 'ipvlan', mode: 'l3' });
  t.like(specs[1], { directPhys: true, dhcp: { keep: true, timeoutSeconds: 5, resolvConf: 'container' } });
  t.is(specs[2].pkey, '8001');
  const problems = problemsOf([
    { host: 'br0', guest: 'netns:a', address: '10.0.0.5/24', keep: true },
    { host: 'br0', guest: 'netns:b', address: 'dhcp', timeout: 0 },
    { host: 'eth0', guest: 'netns:c', address: '10.0.0.5/24', kind: 'vxlan' },
    { host: 'br0', guest: 'netns:d', address: '10.0.0.6/24', directPhys: 'yes' },
  ]);
  t.deepEqual(problems.map((p) => p.index), [0, 1, 2, 3]);
  t.regex(problems[0].message, /^keep goes with a DHCP address/);
  t.regex(problems[1].message, /^timeout takes a number of seconds/);
  t.regex(problems[2].message, /--kind vxlan is unknown/);
  t.regex(problems[3].message, /directPhys should be true or false/);
});

test('ovsdb and ovsDatapath are one per file (a session setting); entries that disagree are refused', (t) => {
  const problems = problemsOf([
    { host: 'ovsbr0', guest: 'netns:a', address: '10.0.0.5/24', ovsdb: 'unix:/run/a.sock' },
    { host: 'ovsbr0', guest: 'netns:b', address: '10.0.0.6/24', ovsdb: 'unix:/run/b.sock' },
  ]);
  t.is(problems.length, 1);
  t.is(problems[0].index, 1);
  t.regex(problems[0].message, /ovsdb "unix:\/run\/b\.sock" differs from entry 0's/);
});
