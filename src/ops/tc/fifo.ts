// pfifo and bfifo (tc-pfifo(8)): a plain FIFO whose limit is in packets (pfifo) or bytes (bfifo).
// TCA_OPTIONS is a bare struct tc_fifo_qopt { u32 limit; }, no nested attributes; without it the kernel
// uses the device's txqueuelen (times the MTU, for bfifo).
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { MessageWriter } from '../../netlink/writer.js';
import { formatSize } from './units.js';

export type FifoKind = 'pfifo' | 'bfifo';

export interface FifoSpec {
  /** packets (pfifo) or bytes (bfifo) */
  limit?: number;
}

/** Whether there is a TCA_OPTIONS to write: only when a limit is given, as tc does. */
export function fifoHasOptions(spec: FifoSpec): boolean {
  return spec.limit !== undefined;
}

export function writeFifo(w: MessageWriter, spec: FifoSpec): void {
  if (spec.limit !== undefined) w.u32(spec.limit);
}

export interface FifoInfo {
  limit: number;
}

export function decodeFifo(options: Uint8Array): FifoInfo {
  if (options.length < 4) throw new NetlinkDecodeError(`fifo options of ${options.length} bytes`);
  return { limit: new DataView(options.buffer, options.byteOffset, 4).getUint32(0, true) };
}

export function fifoText(kind: FifoKind, i: FifoInfo): string {
  return kind === 'pfifo' ? `limit ${i.limit}p` : `limit ${formatSize(i.limit)}`;
}

export function fifoJson(i: FifoInfo): Record<string, unknown> {
  return { limit: i.limit };
}
