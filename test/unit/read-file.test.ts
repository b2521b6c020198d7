import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRegularFile } from '../../src/util/read-file.js';
import { InputError } from '../../src/util/errors.js';

test('a named file is read only if it is a regular file within the limit', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-read-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ok = path.join(dir, 'w.json');
  fs.writeFileSync(ok, '[]\n');
  t.is(readRegularFile(ok, 10), '[]\n');
  fs.writeFileSync(ok, 'x'.repeat(11));
  t.throws(() => readRegularFile(ok, 10), { instanceOf: InputError, message: /larger than 10 bytes.*split it/ });
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  t.throws(() => readRegularFile(fifo, 10), { instanceOf: InputError, message: /fifo is a FIFO, not a regular file/ });
  t.throws(() => readRegularFile('/dev/zero', 10), { instanceOf: InputError, message: /\/dev\/zero is a character device/ });
  t.throws(() => readRegularFile(dir, 10), { instanceOf: InputError, message: /is a directory/ });
});
