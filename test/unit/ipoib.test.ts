// IPoIB cannot run on this machine (no InfiniBand device): its request is checked byte for byte,
// and the partition-key parsing and refusals as pipework words them.
import test from 'ava';
import { ARPHRD_INFINIBAND, createIpoibRequest } from '../../src/ops/links/ipoib.js';
import { parseAttrs } from '../../src/netlink/attributes.js';
import type { DriverContext } from '../../src/wire/driver.js';
import { selectDriver } from '../../src/wire/drivers/index.js';
import { ipoibDriver, parsePkey } from '../../src/wire/drivers/ipoib.js';
import { NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from '../../src/netlink/constants.js';
import { InputError } from '../../src/util/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('RTM_NEWLINK for an IPoIB child with a partition key, born in another netns', (t) => {
  const req = createIpoibRequest({ name: 'ib0', parent: 5, pkey: 0x8001, netnsFd: 9 }, 'creating ipoib ib0');
  t.is(req.type, RTM_NEWLINK);
  t.is(req.flags, NLM_F_CREATE | NLM_F_EXCL);
  const body = req.message.subarray(16); // the header is the session's to fill
  t.is(
    hex(body),
    // struct ifinfomsg: family 0, type 0, index 0, flags 0, change 0
    '00000000' + '00000000' + '00000000' + '00000000' +
      // IFLA_IFNAME "ib0\0"
      '0800' + '0300' + '69623000' +
      // IFLA_LINK 5
      '0800' + '0500' + '05000000' +
      // IFLA_NET_NS_FD 9
      '0800' + '1c00' + '09000000' +
      // IFLA_LINKINFO { IFLA_INFO_KIND "ipoib\0", IFLA_INFO_DATA { IFLA_IPOIB_PKEY 0x8001 } }
      '1c00' + '1200' + '0a00' + '0100' + '69706f6962000000' + '0c00' + '0200' + '0600' + '0100' + '01800000',
  );
});

test("partition keys are pipework's hex; zero keys are reserved", (t) => {
  t.is(parsePkey('8001'), 0x8001);
  t.is(parsePkey('0x7fff'), 0x7fff);
  t.throws(() => parsePkey('8000'), { instanceOf: InputError, message: /reserved/ });
  t.throws(() => parsePkey('xyz'), { instanceOf: InputError, message: /not a 16-bit hex number/ });
  t.throws(() => parsePkey('12345'), { instanceOf: InputError });
});

test('an InfiniBand host interface (ARPHRD 32) gets the IPoIB driver, which refuses a MAC as pipework does', async (t) => {
  const link = { index: 3, name: 'ib0', flags: 0, type: ARPHRD_INFINIBAND, attrs: parseAttrs(new Uint8Array(0)) };
  const driver = selectDriver('ib0', link);
  t.is(driver, ipoibDriver);
  t.is(driver.defaultIfname, 'ib0');
  const ctx = { mac: '02:00:00:00:00:01', hostLink: link } as unknown as DriverContext;
  await t.throwsAsync(async () => driver.plan(ctx), { instanceOf: InputError, message: 'MACADDR configuration unsupported for IPoIB interfaces.' });
});
