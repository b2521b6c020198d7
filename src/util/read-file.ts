// Reading a file a user named (a wirings file), bounded: a FIFO there would block forever, a
// device like /dev/zero would never end, a huge file would exhaust memory before parsing fails.
// Opened O_NONBLOCK (a FIFO's open returns at once), checked to be a regular file, read up to
// the limit and no further.
import * as fs from 'node:fs';
import { InputError } from './errors.js';

/** What a non-regular file is, for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The text of a regular file of at most maxBytes; InputError naming the file and the problem otherwise. */
export function readRegularFile(file: string, maxBytes: number): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${file} is ${fileKind(st)}, not a regular file`);
    const tooBig = () => new InputError(`${file} is larger than ${maxBytes} bytes, the most pipework reads`, 'split it into several files');
    if (st.size > maxBytes) throw tooBig();
    const buf = Buffer.alloc(maxBytes + 1);
    let got = 0;
    for (let n; got < buf.length && (n = fs.readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    if (got > maxBytes) throw tooBig(); // it grew while being read
    return buf.subarray(0, got).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
