import test from 'ava';
import { parseAddresses, formatAddresses, resolveMac, validIfname } from '../../src/wire/spec.js';
import { hostEndName } from '../../src/wire/names.js';
import { InputError } from '../../src/util/errors.js';

test('address specs: several, dual-stack, gateways, 0/0', (t) => {
  t.is(formatAddresses(parseAddresses('10.0.0.5/24@10.0.0.1,fd00::5/64@fd00::1')), '10.0.0.5/24@10.0.0.1,fd00::5/64@fd00::1');
  t.is(formatAddresses(parseAddresses('10.0.0.5/24, 10.0.1.5/24')), '10.0.0.5/24,10.0.1.5/24');
  const none = parseAddresses('0/0');
  t.deepEqual(none, [{ gateway: undefined }]);
  t.is(formatAddresses(parseAddresses('0/0@10.0.0.1')), '0/0@10.0.0.1');
});

test('address spec errors name the problem and the fix', (t) => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['10.0.0.5', /The IP address should include a netmask\. Maybe you meant 10\.0\.0\.5\/24 \?/],
    ['fd00::5', /Maybe you meant fd00::5\/64/],
    ['web', /should include a netmask.*"web" is not an IP address either/],
    ['10.0.0.5/24@10.0.0.1@x', /more than one @/],
    ['10.0.0.5/24@nope', /gateway "nope"/],
    ['10.0.0.5/24@fd00::1', /gateway fd00::1 is IPv6 but address 10\.0\.0\.5\/24 is IPv4/],
    ['10.0.0.5/24,10.0.0.5/16', /given twice/],
    ['10.0.0.5/24@10.0.0.1,10.0.1.6/24@10.0.1.1', /two IPv4 gateways/],
    ['0.0.0.0/8', /unspecified/],
    ['224.0.0.1/24', /not a unicast/],
    ['ff02::1/64', /multicast/],
    ['10.125.3.5/24@10.125.3.5', /gateway 10\.125\.3\.5 is the guest's own address \(10\.125\.3\.5\/24\).*router/],
    ['10.125.3.5/24,10.125.4.6/24@10.125.3.5', /gateway 10\.125\.3\.5 is the guest's own address/],
    ['fd00::5/64@fd00::5', /gateway fd00::5 is the guest's own address \(fd00::5\/64\)/],
  ];
  for (const [spec, message] of bad) t.throws(() => parseAddresses(spec), { instanceOf: InputError, message }, spec);
});

test('MACs: given, or pipework-stable from U:', (t) => {
  t.is(resolveMac('02:AA:bb:CC:dd:EE'), '02:aa:bb:cc:dd:ee');
  t.is(resolveMac('U:myhost.foo.com'), '02:72:6c:cd:9b:8d');
  t.throws(() => resolveMac('03:00:00:00:00:01'), { message: /multicast/ });
});

test('interface names: the kernel limit and forbidden characters', (t) => {
  t.is(validIfname('eth1'), undefined);
  t.regex(validIfname('a'.repeat(16))!, /16 characters long; the kernel's limit is 15/);
  t.regex(validIfname('a/b')!, /cannot/);
  t.regex(validIfname('a b')!, /cannot/);
  t.regex(validIfname('')!, /empty/);
});

test("host-side names: pipework's v<if>pl<pid>, shortened deterministically when too long", (t) => {
  t.deepEqual(hostEndName('eth1', '4321', '4321'), { name: 'veth1pl4321' });
  const long = hostEndName('eth1', 'abcdef123456', '4194303xyz');
  t.is(long.name.length <= 15, true);
  t.is(long.shortened, 'veth1pl4194303xyz');
  t.deepEqual(hostEndName('eth1', 'abcdef123456', '4194303xyz'), long, 'the same inputs give the same name');
  t.not(hostEndName('eth2', 'abcdef123456', '4194303xyz').name, long.name);
  t.throws(() => hostEndName('eth1', 'x', 'x', 'averyveryverylongname'), { instanceOf: InputError, message: /at most 15|limit is 15/ });
});
