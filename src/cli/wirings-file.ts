// Reading a wirings file (apply -f, del -f, watch -f) within bounds, before any parsing: a YAML
// parser holds ~100 bytes of memory per byte of input, and far more on hostile nesting (50 MB of
// "[" ran node out of memory after two minutes). A file is read only if it is a regular file of at
// most MAX_WIRINGS_FILE_BYTES, and YAML is first scanned by the parser's lexer alone (linear,
// constant memory) for a shape no list of wirings has.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

/** 4 MiB: about 40,000 wirings written one per line; documented in the README. */
export const MAX_WIRINGS_FILE_BYTES = 4 << 20;
/** A list of mappings nests 2 deep; this leaves room for style, not for abuse. */
export const MAX_YAML_NESTING = 8;
/** One collection per wiring, and the list itself. */
export const MAX_WIRINGS = 100_000;

const SPLIT = 'split it into several files and apply each';
const mib = (n: number) => `${(n / (1 << 20)).toFixed(1).replace(/\.0$/, '')} MiB`;

/**
 * The text of a wirings file, read with at most MAX_WIRINGS_FILE_BYTES + 1 bytes: throws, with a
 * message that names the problem, for anything but a regular file within the limit.
 */
export function readWiringsFile(path: string): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below, once open).
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; give a regular file`);
    if (st.size > MAX_WIRINGS_FILE_BYTES) throw tooBig(`it is ${st.size} bytes`);
    // Read to the end, not to st.size: the file may grow meanwhile; one byte past the limit is enough to know.
    // At least 64 KiB per read: files such as those of /proc say they are empty.
    const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 64 << 10), MAX_WIRINGS_FILE_BYTES) + 1);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(buf.length, MAX_WIRINGS_FILE_BYTES + 1 - total);
      const n = want > 0 ? readSync(fd, buf, 0, want, null) : 0;
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      total += n;
      if (total > MAX_WIRINGS_FILE_BYTES) throw tooBig('it grew past that while being read');
    }
    return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}

function tooBig(what: string): Error {
  return new Error(`${what}; a wirings file may hold at most ${mib(MAX_WIRINGS_FILE_BYTES)} (${MAX_WIRINGS_FILE_BYTES} bytes, tens of thousands of wirings): ${SPLIT}`);
}

let yamlModule: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/**
 * What makes this YAML text unfit to be parsed as a list of wirings, or undefined: collections
 * nested deeper than MAX_YAML_NESTING, or more than a list of MAX_WIRINGS entries needs. Stops at the first
 * excess, so a hostile file costs little.
 */
export function yamlShapeProblem(text: string): string | undefined {
  const { Lexer, CST } = yaml();
  let flow = 0;
  let items = 0; // "- " indicators on the current line: block sequences nested in one line
  let collections = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'newline') items = 0;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'flow-seq-start' || type === 'flow-map-start' || type === 'seq-item-ind' || type === 'explicit-key-ind') {
      if (type === 'seq-item-ind') items++;
      else if (type !== 'explicit-key-ind') flow++;
      if (flow + items > MAX_YAML_NESTING) return `nests lists or mappings more than ${MAX_YAML_NESTING} deep: a wirings file is a list of flat entries`;
      // A wiring is one entry of the list, and at most one mapping besides ("- {host: ...}").
      if (++collections > 2 * MAX_WIRINGS + 1) return `holds more than ${2 * MAX_WIRINGS + 1} lists or mappings: a wirings file holds at most ${MAX_WIRINGS} entries; ${SPLIT}`;
    }
  }
  return undefined;
}
