// Named network namespaces are files in /var/run/netns: a name that would reach outside that
// folder, or that iproute2 would refuse, is an input error saying so (not "create it with ip netns add").
import test from 'ava';
import { checkNetnsName, Netns, netnsNameProblem } from '../../src/netns/netns.js';
import { InputError } from '../../src/util/errors.js';

test('names iproute2 accepts are accepted, whatever their characters', (t) => {
  for (const name of ['web', 'a.b', 'a..b', 'x-1_y', 'naïve', ' spaced ', 'n'.repeat(255)]) t.is(netnsNameProblem(name), undefined, name);
});

test('empty, "/", ".", "..", NUL and over 255 bytes are invalid, with the reason', (t) => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['../../etc', /contains "\/"/],
    ['a/b', /contains "\/"/],
    ['.', /it is "\."/],
    ['..', /it is "\.\."/],
    ['a\0b', /NUL/],
    ['n'.repeat(256), /256 bytes long; the limit is 255/],
    ['é'.repeat(128), /256 bytes long/],
  ];
  for (const [name, why] of bad) {
    t.regex(netnsNameProblem(name)!, why, JSON.stringify(name));
    t.throws(() => checkNetnsName(name), { instanceOf: InputError, message: /^invalid netns name / });
    t.throws(() => Netns.byName(name), { instanceOf: InputError, message: /^invalid netns name / }, 'also where a namespace is opened by name');
  }
});
