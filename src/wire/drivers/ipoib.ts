// IP over InfiniBand: a child interface of the HCA port with an optional partition key (pipework's
// @PKEY, in hex), created in the guest. The guest name defaults to ib0, as in pipework.
import { createIpoibRequest } from '../../ops/links/ipoib.js';
import { InputError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planChild } from './child.js';

export function parsePkey(text: string): number {
  if (!/^(0x)?[0-9a-fA-F]{1,4}$/.test(text)) throw new InputError(`partition key "${text}" is not a 16-bit hex number`, 'write it like @8001');
  const pkey = parseInt(text.replace(/^0x/, ''), 16);
  if ((pkey & 0x7fff) === 0) throw new InputError(`partition key 0x${pkey.toString(16)} is reserved`);
  return pkey;
}

export const ipoibDriver: Driver = {
  kind: 'ipoib',
  defaultIfname: 'ib0',
  plan(ctx: DriverContext): DriverPlan {
    if (ctx.mac) throw new InputError('MACADDR configuration unsupported for IPoIB interfaces.');
    const pkey = ctx.pkey === undefined ? undefined : parsePkey(ctx.pkey);
    const parent = ctx.hostLink!;
    return planChild(ctx, {
      kind: 'ipoib',
      feature: 'IPoIB support (the ib_ipoib module)',
      describe: `IPoIB child of ${parent.name}${pkey === undefined ? '' : ` with partition key 0x${pkey.toString(16)}`}`,
      request: (c, what) => createIpoibRequest({ name: c.ifname, parent: parent.index, pkey, netnsFd: c.guest.netns.fd }, what),
      isOurs: (l) => l.kind === 'ipoib' && l.link === parent.index,
    }, []);
  },
};
