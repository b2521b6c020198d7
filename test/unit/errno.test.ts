// The errno table (src/util/errno.ts) is data so that the codec needs no FFI; libc itself is the oracle
// that it says what strerror(3) says, under the names the C library defines.
import test from 'ava';
import koffi from 'koffi';
import { errnoName, errnoOf, strerror } from '../../src/util/errno.js';

const libcStrerror = koffi.load('libc.so.6').func('const char *strerror(int errnum)');

test('every errno from 1 to 133 has libc\'s message and a name libc knows for that number', (t) => {
  const names = koffi.os.errno as Record<string, number>;
  for (let n = 1; n <= 133; n++) {
    if (!Object.values(names).includes(n)) continue;
    t.is(strerror(n), libcStrerror(n) as string, `errno ${n}`);
    t.is(names[errnoName(n)], n, `errno ${n} is ${errnoName(n)}`);
  }
});

test('aliases and unknown numbers', (t) => {
  t.is(errnoName(17), 'EEXIST');
  t.is(errnoOf('EWOULDBLOCK'), errnoOf('EAGAIN'));
  t.is(errnoOf('ENOTSUP'), 95);
  t.is(errnoName(95), 'EOPNOTSUPP');
  t.is(errnoName(4000), 'E4000');
  t.is(strerror(4000), 'Unknown error 4000');
  t.throws(() => errnoOf('ENOPE'), { message: /unknown errno name ENOPE/ });
});
