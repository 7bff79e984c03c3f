/**
 * WS-Discovery over UDP multicast: probe 239.255.255.250:3702 from one socket, gather the answers
 * until a deadline, resolve the endpoints that answered without XAddrs, one entry per endpoint.
 *
 * The `onvif` package's Discovery.probe is not used: it asks only for NetworkVideoTransmitter, reads
 * one ProbeMatch per datagram, never resolves a match without XAddrs, does not check RelatesTo, binds
 * by interface name only, and emits 'error' on a shared emitter (a stray datagram with no listener
 * would throw). docs/onvif.md.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { KadrError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import {
  buildProbe,
  buildResolve,
  newMessageId,
  parseDiscoveryAnswer,
  WSD_MULTICAST,
  type DiscoveryMatch,
  type ProbeType,
} from './ws-discovery-message.js';

export const DISCOVERY_TIMEOUT_MS = { default: 3000, min: 100, max: 30_000 } as const;

export interface DiscoverOptions {
  /** How long to wait for answers (ms). */
  timeoutMs?: number;
  /** The interface to probe from: an IPv4 address of this host, or an interface name (`eth0`). */
  bind?: string | undefined;
  /** Keep only ONVIF NetworkVideoTransmitters (cameras, encoders). */
  onvifOnly?: boolean | undefined;
  log?: Logger;
  signal?: AbortSignal | undefined;
}

export interface DiscoveredDevice extends DiscoveryMatch {
  /** The address the (first) answer came from. */
  from: string;
}

/**
 * Both types are asked for: a camera answers dn:NetworkVideoTransmitter, other WS-Discovery devices
 * (printers, Windows and Samba hosts through wsdd) only wsdp:Device; the answers are labelled.
 */
const PROBE_TYPES: ProbeType[] = ['dn:NetworkVideoTransmitter', 'wsdp:Device'];
/** SOAP-over-UDP sends each multicast message twice, the repeat within 50..250 ms (Appendix I). */
const REPEAT_DELAY_MS = 100;

/** The local IPv4 address for `bind`, or undefined for the system's choice. */
export function bindAddressOf(bind: string | undefined): string | undefined {
  if (bind === undefined || bind === '') return undefined;
  const interfaces = os.networkInterfaces();
  const own = Object.values(interfaces)
    .flat()
    .filter((a) => a?.family === 'IPv4')
    .map((a) => a!.address);
  if (net.isIPv4(bind)) {
    if (bind === '0.0.0.0' || own.includes(bind)) return bind;
  } else {
    const address = interfaces[bind]?.find((a) => a.family === 'IPv4')?.address;
    if (address) return address;
  }
  const names = Object.entries(interfaces)
    .filter(([, list]) => list?.some((a) => a.family === 'IPv4'))
    .map(([name, list]) => `${name} (${list!.find((a) => a.family === 'IPv4')!.address})`);
  throw new KadrError('KADR_ERR_VALIDATION', `no IPv4 interface or address '${bind}' on this host`, {
    hint: `choose one of: ${names.join(', ') || 'none with IPv4'}`,
  });
}

export function checkDiscoveryTimeout(timeoutMs: number): number {
  if (
    !Number.isInteger(timeoutMs) ||
    timeoutMs < DISCOVERY_TIMEOUT_MS.min ||
    timeoutMs > DISCOVERY_TIMEOUT_MS.max
  ) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `the discovery timeout must be ${DISCOVERY_TIMEOUT_MS.min}..${DISCOVERY_TIMEOUT_MS.max} ms, got ${timeoutMs}`,
    );
  }
  return timeoutMs;
}

/** Probes the link and resolves, after the timeout, with every device that answered. */
export async function discover(options: DiscoverOptions = {}): Promise<DiscoveredDevice[]> {
  const timeoutMs = checkDiscoveryTimeout(options.timeoutMs ?? DISCOVERY_TIMEOUT_MS.default);
  const address = bindAddressOf(options.bind);
  const log = options.log ?? silentLogger;
  const socket = dgram.createSocket({ type: 'udp4' });
  const ours = new Set<string>();
  const devices = new Map<string, DiscoveredDevice>();
  const resolving = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  let sendError: Error | undefined;

  const send = (xml: string, messageId: string) => {
    ours.add(messageId);
    const data = Buffer.from(xml);
    const once = () =>
      socket.send(data, WSD_MULTICAST.port, WSD_MULTICAST.address, (error) => {
        if (error && !sendError) sendError = error;
      });
    once();
    timers.push(setTimeout(once, REPEAT_DELAY_MS));
  };

  socket.on('message', (msg, rinfo) => {
    const answer = parseDiscoveryAnswer(msg.toString('utf8'));
    if (!answer || !answer.relatesTo || !ours.has(answer.relatesTo)) return;
    for (const m of answer.matches) {
      const known = devices.get(m.endpoint);
      const device: DiscoveredDevice = known
        ? {
            ...known,
            types: union(known.types, m.types),
            scopes: union(known.scopes, m.scopes),
            xaddrs: union(known.xaddrs, m.xaddrs),
            onvif: known.onvif || m.onvif,
            metadataVersion: m.metadataVersion ?? known.metadataVersion,
          }
        : { ...m, from: rinfo.address };
      devices.set(m.endpoint, device);
      if (!known)
        log.debug('ws-discovery answer', { endpoint: m.endpoint, from: rinfo.address, onvif: m.onvif });
      if (device.xaddrs.length === 0 && !resolving.has(m.endpoint)) {
        resolving.add(m.endpoint);
        const id = newMessageId();
        send(buildResolve(id, m.endpoint), id);
      }
    }
  });

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: 0, ...(address ? { address } : {}) }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => {
      if (!sendError) sendError = error;
    });
    // Link-local scope: a probe is for this network segment only (WS-Discovery section 3.1.1).
    socket.setMulticastTTL(1);
    if (address && address !== '0.0.0.0') socket.setMulticastInterface(address);
    for (const type of PROBE_TYPES) {
      const id = newMessageId();
      send(buildProbe(id, type), id);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timers.push(timer);
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (error) {
    throw socketError(error as NodeJS.ErrnoException, address);
  } finally {
    for (const t of timers) clearTimeout(t);
    socket.close();
  }
  if (sendError && devices.size === 0) throw socketError(sendError as NodeJS.ErrnoException, address);
  const found = [...devices.values()].filter((d) => !options.onvifOnly || d.onvif);
  return found.sort((a, b) => Number(b.onvif) - Number(a.onvif) || a.endpoint.localeCompare(b.endpoint));
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function socketError(error: NodeJS.ErrnoException, address: string | undefined): KadrError {
  const where = address ? `from ${address}` : 'from the default interface';
  const unreachable =
    error.code === 'ENETUNREACH' || error.code === 'EADDRNOTAVAIL' || error.code === 'ENODEV';
  return new KadrError(
    unreachable ? 'KADR_ERR_VALIDATION' : 'KADR_ERR_INTERNAL',
    `cannot send a WS-Discovery probe ${where}: ${error.code ?? error.message}`,
    {
      hint: unreachable
        ? 'this interface has no route to 239.255.255.250; choose the camera network with bind / --interface'
        : 'see the server log',
      cause: error,
    },
  );
}
