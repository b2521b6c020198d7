// clsact (tc-bpf(8), "clsact"): like ingress, a classifier-only qdisc, with two hooks: ingress (minor fff2)
// and egress (minor fff3). It has no options and sits at ffff:fff1 with handle ffff:0.
import { TC_H_CLSACT, TC_H_MIN_EGRESS, TC_H_MIN_INGRESS, tcHandle } from './constants.js';

export const CLSACT_PARENT = TC_H_CLSACT;
export const CLSACT_HANDLE = tcHandle(0xffff, 0);
/** where filters attach: ffff:fff2 for received traffic, ffff:fff3 for sent traffic */
export const CLSACT_INGRESS = tcHandle(0xffff, TC_H_MIN_INGRESS);
export const CLSACT_EGRESS = tcHandle(0xffff, TC_H_MIN_EGRESS);

export function clsactText(): string {
  return '';
}
