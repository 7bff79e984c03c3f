/**
 * kadr's ONVIF device client against device answers from a third party: the recorded camera
 * responses of the `onvif` package's own tests (test/fixtures/onvif-mockup/), served by
 * test/harness/onvif-device-server.ts, which checks each WS-UsernameToken the way a device does.
 * Right and wrong credentials, a device that authenticates with HTTP 401, one that is not there, one
 * that never answers, and one that is not an ONVIF device.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { isKadrError, type KadrError } from '../../../src/core/errors.js';
import { OnvifDevice, parseXAddr } from '../../../src/onvif/index.js';
import { passwordDigest, startOnvifDeviceServer } from '../../harness/onvif-device-server.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/onvif-mockup');

async function rejected(work: Promise<unknown>): Promise<KadrError> {
  try {
    await work;
  } catch (error) {
    assert.ok(isKadrError(error), `not a KadrError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

test("the test device's digest check agrees with the tokens recorded from a real exchange", () => {
  // The recorded answers carry the UsernameToken of the request they answered (user admin, password
  // 9999 in the package's tests): the same digest rule must accept each, and refuse another password.
  let checked = 0;
  for (const file of ['GetDeviceInformation.xml', 'GetProfiles.xml', 'GetStreamUri.xml']) {
    const xml = readFileSync(path.join(FIXTURES, file), 'utf8');
    const field = (name: string) => new RegExp(`<wsse?:${name}[^>]*>([^<]+)<`).exec(xml)![1]!;
    const nonce = /<wsse:Nonce>([^<]+)</.exec(xml)![1]!;
    const created = /<wsu:Created>([^<]+)</.exec(xml)![1]!;
    assert.equal(passwordDigest(nonce, created, '9999'), field('Password'), file);
    assert.notEqual(passwordDigest(nonce, created, '9998'), field('Password'), file);
    checked++;
  }
  assert.equal(checked, 3);
});

test('right credentials: information, profiles, stream and snapshot URIs as the device recorded them', async (t) => {
  const device = await startOnvifDeviceServer({ user: 'admin', password: '9999' });
  t.after(() => device.close());
  const onvif = await OnvifDevice.connect(
    device.xaddr,
    { user: 'admin', password: '9999' },
    { timeoutMs: 3000 },
  );
  assert.deepEqual(await onvif.info(), {
    manufacturer: 'Mockup Manufacturer',
    model: 'Mockup Model',
    firmwareVersion: 'Mockup_15_14_13',
    serialNumber: '00000000',
    hardwareId: 'MOCKUP',
  });
  const profiles = await onvif.profiles();
  assert.deepEqual(profiles, [
    { token: 'main', name: 'main', encoding: 'H264', width: 1920, height: 1080, frameRateLimit: 5 },
  ]);
  assert.equal(await onvif.streamUri('main'), 'rtsp://127.0.0.1/h264main');
  assert.equal(
    await onvif.snapshotUri('main'),
    'http://127.0.0.1/onvif-cgi/jpg/image.cgi?resolution=800x600&compression=20&camera=1',
  );
  // Every call but the clock carried a token the device accepted.
  assert.deepEqual(device.calls, [
    { operation: 'GetSystemDateAndTime', authorized: true },
    { operation: 'GetCapabilities', authorized: true },
    { operation: 'GetDeviceInformation', authorized: true },
    { operation: 'GetProfiles', authorized: true },
    { operation: 'GetStreamUri', authorized: true },
    { operation: 'GetSnapshotUri', authorized: true },
  ]);
});

test('a password outside ASCII is digested as UTF-8, as the UsernameToken profile says', async (t) => {
  const password = 'Pässwörd-Ω9';
  const device = await startOnvifDeviceServer({ user: 'opérateur', password });
  t.after(() => device.close());
  const onvif = await OnvifDevice.connect(device.xaddr, { user: 'opérateur', password }, { timeoutMs: 3000 });
  assert.equal((await onvif.profiles()).length, 1);
});

test('wrong credentials: KADR_ERR_UNAUTHORIZED with a hint, at connect', async (t) => {
  const device = await startOnvifDeviceServer({ user: 'admin', password: '9999' });
  t.after(() => device.close());
  for (const credentials of [{ user: 'admin', password: '9990' }, { user: 'guest', password: '9999' }, {}]) {
    const error = await rejected(OnvifDevice.connect(device.xaddr, credentials, { timeoutMs: 3000 }));
    assert.equal(error.code, 'KADR_ERR_UNAUTHORIZED', error.message);
    assert.match(error.message, /refused the user name or password \(GetCapabilities: NotAuthorized\)/);
    assert.match(error.hint ?? '', /ONVIF user/);
  }
  assert.ok(device.calls.some((c) => c.operation === 'GetCapabilities' && !c.authorized));
  assert.ok(!device.calls.some((c) => c.operation === 'GetCapabilities' && c.authorized));
});

test('a device that answers 401 (HTTP authentication): KADR_ERR_UNAUTHORIZED', async (t) => {
  const device = await startOnvifDeviceServer({ user: 'admin', password: '9999', rejectWith: 401 });
  t.after(() => device.close());
  const error = await rejected(
    OnvifDevice.connect(device.xaddr, { user: 'admin', password: 'x' }, { timeoutMs: 3000 }),
  );
  assert.equal(error.code, 'KADR_ERR_UNAUTHORIZED', error.message);
  assert.match(error.message, /HTTP 401/);
});

test('nothing listens at the address: KADR_ERR_ONVIF_UNREACHABLE, at once', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const started = performance.now();
  const error = await rejected(
    OnvifDevice.connect(`http://127.0.0.1:${port}/onvif/device_service`, {}, { timeoutMs: 3000 }),
  );
  assert.equal(error.code, 'KADR_ERR_ONVIF_UNREACHABLE', error.message);
  assert.match(error.message, /ECONNREFUSED/);
  assert.ok(performance.now() - started < 1000);
});

test('a device that never answers: KADR_ERR_ONVIF_TIMEOUT after the timeout', async (t) => {
  const device = await startOnvifDeviceServer({ user: 'admin', password: '9999', silent: true });
  t.after(() => device.close());
  const started = performance.now();
  const error = await rejected(
    OnvifDevice.connect(device.xaddr, { user: 'admin', password: '9999' }, { timeoutMs: 400 }),
  );
  const elapsed = performance.now() - started;
  assert.equal(error.code, 'KADR_ERR_ONVIF_TIMEOUT', error.message);
  assert.match(error.message, /did not answer GetSystemDateAndTime within 400 ms/);
  assert.ok(elapsed >= 390 && elapsed < 400 + 1000, `took ${elapsed} ms`);
});

test('not an ONVIF device (a web page): KADR_ERR_ONVIF_FAULT that says so', async (t) => {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>router</body></html>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const error = await rejected(OnvifDevice.connect(`http://127.0.0.1:${port}/`, {}, { timeoutMs: 2000 }));
  assert.equal(error.code, 'KADR_ERR_ONVIF_FAULT', error.message);
  assert.match(error.message, /gave no usable answer to GetSystemDateAndTime/);
});

test('the device address must be an http(s) URL without credentials', () => {
  assert.deepEqual(parseXAddr('http://10.0.0.7/onvif/device_service'), {
    hostname: '10.0.0.7',
    port: 80,
    path: '/onvif/device_service',
    secure: false,
  });
  assert.equal(parseXAddr('https://[fe80::1]:8443/onvif/device_service').hostname, 'fe80::1');
  for (const bad of ['10.0.0.7', 'rtsp://10.0.0.7/', 'http://u:p@10.0.0.7/onvif/device_service']) {
    assert.throws(
      () => parseXAddr(bad),
      (e: unknown) => isKadrError(e, 'KADR_ERR_VALIDATION'),
      bad,
    );
  }
});
