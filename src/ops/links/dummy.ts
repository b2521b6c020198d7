// dummy (kind "dummy"): a device that drops what it is given; no kind-specific attributes.
import type { Request } from '../../netlink/session.js';
import { type LinkAttrs, newLinkRequest } from '../link.js';

export function createDummyRequest(spec: LinkAttrs & { name: string }, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'dummy' }, what);
}
