// The CNI frontend's pure parts: results read in any version and written in the asked one, and a
// result's ips and routes turned into the wiring's address spec.
import test from 'ava';
import { toAddressSpec } from '../../src/cni/addresses.js';
import { readResult, writeResult } from '../../src/cni/result.js';
import { parseArgs } from '../../src/cli/parse.js';

test('a 0.4.0 result reads into 1.0.0\'s shape and writes back with ips[].version', (t) => {
  const old = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }, { version: '6', address: 'fd00::2/64', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }], dns: {} };
  const r = readResult(old, 'prevResult');
  t.deepEqual(r.ips, [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }, { address: 'fd00::2/64', interface: 0 }]);
  t.deepEqual(writeResult('0.4.0', r), old);
  t.deepEqual((writeResult('1.1.0', r).ips as object[])[1], { address: 'fd00::2/64', interface: 0 });
});

test('a result that is not one is refused with the field named', (t) => {
  t.throws(() => readResult({ ips: 'x' }, 'prevResult'), { message: 'prevResult.ips is not a list' });
  t.throws(() => readResult({ ips: [{}] }, 'the IPAM result'), { message: /the IPAM result.ips has an entry without an address/ });
});

test('ips and routes -> address spec: default routes become gateways, the rest stay routes', (t) => {
  t.deepEqual(toAddressSpec([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }], [{ dst: '0.0.0.0/0' }]), { addresses: '10.0.0.2/24@10.0.0.1', extra: [] });
  t.deepEqual(toAddressSpec([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }], []), { addresses: '10.0.0.2/24', extra: [] }, 'a gateway without a default route is no route (as the bridge plugin)');
  t.deepEqual(
    toAddressSpec([{ address: '10.0.0.2/24' }, { address: 'fd00::2/64', gateway: 'fd00::1' }], [{ dst: '::/0' }, { dst: '0.0.0.0/0', gw: '10.0.0.254' }, { dst: '192.168.0.0/16', gw: '10.0.0.9' }]),
    { addresses: '10.0.0.2/24@10.0.0.254,fd00::2/64@fd00::1', extra: [{ dst: '192.168.0.0/16', gw: '10.0.0.9' }] },
  );
  t.deepEqual(toAddressSpec([], [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }]), { addresses: '0/0@10.0.0.1', extra: [] });
  t.deepEqual(toAddressSpec([{ address: '10.0.0.2/24' }], [{ dst: '0.0.0.0/0' }]), { addresses: '10.0.0.2/24', extra: [{ dst: '0.0.0.0/0', gw: undefined }] }, 'a default without any gateway is a device route');
});

test('the CLI: "cni install [--dir DIR]" is the installer; a host interface named cni still wires', (t) => {
  t.deepEqual(parseArgs(['cni', 'install']).command, { verb: 'cni-install', dir: undefined });
  t.deepEqual(parseArgs(['cni', 'install', '--dir', '/opt/x']).command, { verb: 'cni-install', dir: '/opt/x' });
  t.is(parseArgs(['cni', 'netns:g', '10.0.0.5/24']).command.verb, 'wire');
  t.throws(() => parseArgs(['cni', 'install', 'extra']), { message: /unexpected "extra"/ });
});
