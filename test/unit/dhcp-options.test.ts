// Upstream DHCP client words after "dhcp:" / "udhcpc:": the ones the built-in client understands,
// and a clear refusal for the rest.
import test from 'ava';
import { interpretClientWords } from '../../src/dhcp/options.js';
import { InputError } from '../../src/util/errors.js';

test('keep mode, hostname, vendor, requested address, timeout, client id', (t) => {
  const w = interpretClientWords(['-f', '-x', 'hostname:web', '-V', 'pw', '-r', '10.0.0.7', '-T', '2.5', '-c', '01:02:42:ac:11:00:02']);
  t.true(w.keep);
  t.deepEqual(w.options, {
    hostname: 'web', vendorClassId: 'pw', requestedAddress: '10.0.0.7', timeoutMs: 2500, clientId: Uint8Array.of(1, 2, 0x42, 0xac, 0x11, 0, 2),
  });
  t.deepEqual(interpretClientWords(['-q', '-H', 'h2']), { options: { hostname: 'h2' } });
  t.deepEqual(interpretClientWords([]), { options: {} });
});

test('unsupported or incomplete words are refused, naming the word', (t) => {
  t.throws(() => interpretClientWords(['-s', '/bin/script'], 'udhcpc'), { instanceOf: InputError, message: /udhcpc option -s is not supported/ });
  t.throws(() => interpretClientWords(['-x', 'lease:60']), { instanceOf: InputError, message: /-x lease:60/ });
  t.throws(() => interpretClientWords(['-r']), { instanceOf: InputError, message: /needs a value/ });
  t.throws(() => interpretClientWords(['-r', '10.0.0']), { instanceOf: InputError, message: /not an IPv4/ });
  t.throws(() => interpretClientWords(['-T', '0']), { instanceOf: InputError, message: /positive/ });
  t.throws(() => interpretClientWords(['-c', 'abc']), { instanceOf: InputError, message: /hex bytes/ });
});
