/**
 * The recorded ONVIF device (test/harness/onvif-device-server.ts) as a process of its own, so that a
 * test can start it inside a network namespace (`ip netns exec`), which a Node process cannot enter by
 * itself. Arguments: --host <address> --user <u> --password <p>. Prints its XAddr once it listens and
 * runs until it is killed.
 */
import { parseArgs } from 'node:util';
import { startOnvifDeviceServer } from '../../../harness/onvif-device-server.js';

const { values } = parseArgs({
  options: { host: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' } },
});
const device = await startOnvifDeviceServer({
  host: values.host ?? '127.0.0.1',
  user: values.user ?? 'admin',
  password: values.password ?? '',
});
process.stdout.write(`${device.xaddr}\n`);
process.once('SIGTERM', () => void device.close().then(() => process.exit(0)));
