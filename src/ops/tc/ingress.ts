// ingress (tc-ingress in tc(8)): the hook for filters and policers on received traffic. It has no options;
// it always sits at parent ffff:fff1 (TC_H_INGRESS) with handle ffff:0.
import { TC_H_INGRESS, tcHandle } from './constants.js';

export const INGRESS_PARENT = TC_H_INGRESS;
export const INGRESS_HANDLE = tcHandle(0xffff, 0);

/** tc marks ingress qdiscs with a row of dashes in its text output. */
export function ingressText(): string {
  return '----------------';
}
