/**
 * An ONVIF device for tests, answering with the recorded camera responses of the `onvif` package's
 * own tests (test/fixtures/onvif-mockup/). What the recording cannot show is added the way ONVIF
 * Core (section 5.12) and the WS-Security UsernameToken Profile 1.0 describe it:
 *
 * - every operation but GetSystemDateAndTime needs a UsernameToken whose PasswordDigest is
 *   Base64(SHA-1(nonce + created + password)), Created within 5 minutes of the device's clock (the
 *   recorded GetSystemDateAndTime, running on from the start) and a nonce not seen before; otherwise
 *   HTTP 400 with the SOAP fault env:Sender / ter:NotAuthorized;
 * - `rejectWith: 401` answers every request 401 with a Digest challenge instead (devices that
 *   authenticate on the HTTP layer);
 * - `silent` accepts connections and never answers (a hung device).
 *
 * The recorded addresses (192.168.68.111) are replaced with the address the server listens on
 * (127.0.0.1 unless `host` says otherwise, e.g. a test link's address inside a network namespace),
 * so nothing a test does with an answer leaves the machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/onvif-mockup');
const RECORDED_HOST = '192.168.68.111';
/** The recorded device clock (GetSystemDateAndTime.xml). */
const RECORDED_CLOCK_MS = Date.UTC(2014, 11, 24, 19, 14, 37);
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface OnvifDeviceServerOptions {
  user: string;
  password: string;
  rejectWith?: 401;
  silent?: boolean;
  /** The IPv4 address to listen on; default 127.0.0.1. */
  host?: string;
}

export interface OnvifDeviceServer {
  /** http://HOST:PORT/onvif/device_service */
  readonly xaddr: string;
  /** Operations asked for, with whether they were let through. */
  readonly calls: { operation: string; authorized: boolean }[];
  close(): Promise<void>;
}

export function recorded(operation: string, host = '127.0.0.1'): string {
  return readFileSync(path.join(FIXTURES, `${operation}.xml`), 'utf8').replaceAll(RECORDED_HOST, host);
}

/** WS-Security UsernameToken Profile 1.0, section 3.1: the PasswordDigest of a token. */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1')
    .update(
      Buffer.concat([
        Buffer.from(nonceBase64, 'base64'),
        Buffer.from(created, 'utf8'),
        Buffer.from(password, 'utf8'),
      ]),
    )
    .digest('base64');
}

const text = (xml: string, local: string) =>
  new RegExp(`<(?:[\\w.-]+:)?${local}\\b[^>]*>([^<]*)</(?:[\\w.-]+:)?${local}>`).exec(xml)?.[1]?.trim();

export const NOT_AUTHORIZED_FAULT =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error">' +
  '<env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value>' +
  '<env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>' +
  '<env:Reason><env:Text xml:lang="en">Sender not Authorized</env:Text></env:Reason>' +
  '</env:Fault></env:Body></env:Envelope>';

export async function startOnvifDeviceServer(options: OnvifDeviceServerOptions): Promise<OnvifDeviceServer> {
  const host = options.host ?? '127.0.0.1';
  const startedAt = Date.now();
  const seenNonces = new Set<string>();
  const calls: { operation: string; authorized: boolean }[] = [];

  const authorized = (body: string): boolean => {
    const user = text(body, 'Username');
    const digest = text(body, 'Password');
    const nonce = text(body, 'Nonce');
    const created = text(body, 'Created');
    if (user === undefined || digest === undefined || nonce === undefined || created === undefined)
      return false;
    if (user !== options.user || seenNonces.has(nonce)) return false;
    const deviceNow = RECORDED_CLOCK_MS + (Date.now() - startedAt);
    if (!(Math.abs(Date.parse(created) - deviceNow) <= MAX_CLOCK_SKEW_MS)) return false;
    if (passwordDigest(nonce, created, options.password) !== digest) return false;
    seenNonces.add(nonce);
    return true;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.silent) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const operation = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(body)?.[1] ?? '';
      if (options.rejectWith === 401) {
        calls.push({ operation, authorized: false });
        res.writeHead(401, {
          'www-authenticate': 'Digest realm="onvif-test", qop="auth", nonce="6f2b1c0a9d"',
        });
        res.end();
        return;
      }
      const ok = operation === 'GetSystemDateAndTime' || authorized(body);
      calls.push({ operation, authorized: ok });
      const soap = { 'content-type': 'application/soap+xml; charset=utf-8' };
      if (!ok) {
        res.writeHead(400, soap).end(NOT_AUTHORIZED_FAULT);
        return;
      }
      let answer: string;
      try {
        answer = recorded(operation, host);
      } catch {
        res
          .writeHead(400, soap)
          .end(
            NOT_AUTHORIZED_FAULT.replace('ter:NotAuthorized', 'ter:ActionNotSupported').replace(
              'Sender not Authorized',
              'Optional Action Not Implemented',
            ),
          );
        return;
      }
      res.writeHead(200, soap).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    xaddr: `http://${host}:${port}/onvif/device_service`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
