// Which driver serves a host interface. The order of the checks is pipework's: an existing
// interface is classified by what it is; a missing one by its name's prefix.
import type { Link } from '../../ops/link.js';
import { isBridge } from '../../ops/links/bridge.js';
import { InputError } from '../../util/errors.js';
import type { Driver } from '../driver.js';
import { bridgeDriver } from './bridge.js';

export function selectDriver(hostIf: string, hostLink: Link | undefined): Driver {
  if (hostLink) {
    if (isBridge(hostLink)) return bridgeDriver;
    throw new InputError(`${hostIf} is a ${hostLink.kind ?? 'physical'} interface; only Linux bridges are supported so far`);
  }
  if (hostIf.startsWith('br')) return bridgeDriver;
  throw new InputError(`I do not know how to setup interface ${hostIf}.`, 'name an existing interface, or a bridge to create (a name starting with "br")');
}
