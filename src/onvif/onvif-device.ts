/**
 * One ONVIF device over SOAP: device information, media profiles, stream and snapshot URIs. The
 * `onvif` package's Cam does the SOAP exchanges, WS-UsernameToken (PasswordDigest, with the device's
 * clock from GetSystemDateAndTime as ONVIF Core section 5.12 asks) and HTTP Digest when a device wants
 * it. What it lacks is added here: a deadline per call that always settles, errors with kadr's codes
 * (wrong credentials, unreachable, timeout, fault), and plain typed results.
 *
 * Media (ver10, Profile S) is used, which every ONVIF camera offers; Media2 is not asked for.
 * Service URLs the device reports are reached at the host and port the caller used (`preserveAddress`):
 * cameras behind NAT or a port forward report addresses that only work inside their own network.
 */
import { Cam } from 'onvif';
import { KadrError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { soapCallError, timeoutError, type SoapExchange } from './onvif-errors.js';

export const ONVIF_TIMEOUT_MS = { default: 5000, min: 100, max: 60_000 } as const;

export interface OnvifCredentials {
  user?: string | undefined;
  password?: string | undefined;
}

export interface OnvifDeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  /** The video encoder's encoding (H264, H265, JPEG, MPEG4), null without a video encoder. */
  encoding: string | null;
  width: number | null;
  height: number | null;
  frameRateLimit: number | null;
}

export interface OnvifConnectOptions {
  timeoutMs?: number | undefined;
  log?: Logger | undefined;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

type Callback<T> = (err: Error | null, data?: T, xml?: string) => void;

/** The device service URL as Cam options; a usage error when it is not an http(s) URL. */
export function parseXAddr(xaddr: string): { hostname: string; port: number; path: string; secure: boolean } {
  let url: URL;
  try {
    url = new URL(xaddr);
  } catch {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `the ONVIF device address must be a URL, got '${xaddr.slice(0, 200)}'`,
      {
        hint: 'give the XAddr discovery shows, e.g. http://192.168.1.64/onvif/device_service',
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `the ONVIF device address must be http:// or https://, got ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    throw new KadrError('KADR_ERR_VALIDATION', 'the ONVIF device address must not carry credentials', {
      hint: 'give them as user and password',
    });
  }
  const secure = url.protocol === 'https:';
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: `${url.pathname}${url.search}` || '/onvif/device_service',
    secure,
  };
}

export function checkOnvifTimeout(timeoutMs: number): number {
  if (!Number.isInteger(timeoutMs) || timeoutMs < ONVIF_TIMEOUT_MS.min || timeoutMs > ONVIF_TIMEOUT_MS.max) {
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      `the ONVIF timeout must be ${ONVIF_TIMEOUT_MS.min}..${ONVIF_TIMEOUT_MS.max} ms, got ${timeoutMs}`,
    );
  }
  return timeoutMs;
}

export class OnvifDevice {
  private readonly last: { status?: number; body?: string } = {};

  private constructor(
    readonly xaddr: string,
    private readonly cam: Cam,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    cam.on('rawResponse', (xml: string, status: number) => {
      this.last.status = status;
      this.last.body = xml.slice(0, 4096);
    });
    // The package reports media calls that fail during its own connect as warnings; kadr does not
    // use that connect, but a listener keeps an emitted 'warning' from being lost silently.
    cam.on('warning', (w: unknown) => this.log.debug('onvif warning', { xaddr, warning: String(w) }));
  }

  /**
   * Reaches the device: its clock (for the UsernameToken's Created) and its service addresses. The
   * credentials are first checked here, so a wrong password fails at connect.
   */
  static async connect(
    xaddr: string,
    credentials: OnvifCredentials,
    options: OnvifConnectOptions = {},
  ): Promise<OnvifDevice> {
    const timeoutMs = checkOnvifTimeout(options.timeoutMs ?? ONVIF_TIMEOUT_MS.default);
    const target = parseXAddr(xaddr);
    const cam = new Cam({
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      useSecure: target.secure,
      timeout: timeoutMs,
      autoconnect: false,
      preserveAddress: true,
      ...(credentials.user
        ? {
            // The package writes the user into the SOAP header as it is, so XML's special characters
            // are escaped here; and it hashes the password as 'ascii', which Node encodes as Latin-1,
            // while the UsernameToken profile hashes the password's UTF-8 bytes: handing it those
            // bytes as a Latin-1 string gives the right PasswordDigest for any password. (HTTP Digest,
            // which few ONVIF devices use, then works for ASCII passwords only.)
            username: escapeXml(credentials.user),
            password: Buffer.from(credentials.password ?? '', 'utf8').toString('latin1'),
          }
        : {}),
    });
    const device = new OnvifDevice(xaddr, cam, timeoutMs, options.log ?? silentLogger);
    await device.call<Date>('GetSystemDateAndTime', (cb) => cam.getSystemDateAndTime(cb));
    await device.call('GetCapabilities', (cb) => cam.getCapabilities(cb));
    if (!(cam as unknown as { uri?: { media?: unknown } }).uri?.media) {
      throw new KadrError('KADR_ERR_ONVIF_FAULT', `the ONVIF device at ${xaddr} offers no media service`, {
        hint: 'it is not a camera or encoder (an ONVIF door controller or I/O box has no streams)',
      });
    }
    return device;
  }

  async info(): Promise<OnvifDeviceInfo> {
    const raw = await this.call<Record<string, unknown>>('GetDeviceInformation', (cb) =>
      this.cam.getDeviceInformation(cb as never),
    );
    const field = (k: string) => (raw?.[k] === undefined ? '' : String(raw[k]));
    return {
      manufacturer: field('manufacturer'),
      model: field('model'),
      firmwareVersion: field('firmwareVersion'),
      serialNumber: field('serialNumber'),
      hardwareId: field('hardwareId'),
    };
  }

  async profiles(): Promise<OnvifProfile[]> {
    const raw = await this.call<unknown[]>('GetProfiles', (cb) => this.cam.getProfiles(cb));
    return (raw ?? []).map((p) => toProfile(p as RawProfile)).filter((p) => p.token !== '');
  }

  /** The RTSP URI of a profile (RTP over RTSP, unicast). */
  async streamUri(profileToken: string): Promise<string> {
    const raw = await this.call<{ uri?: unknown }>('GetStreamUri', (cb) =>
      this.cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken }, cb as never),
    );
    const uri = typeof raw?.uri === 'string' ? raw.uri.trim() : '';
    if (!uri) {
      throw new KadrError(
        'KADR_ERR_ONVIF_FAULT',
        `the ONVIF device at ${this.xaddr} gave no stream URI for profile '${profileToken}'`,
      );
    }
    return uri;
  }

  /** The JPEG snapshot URI of a profile, or null when the device has none (it is optional). */
  async snapshotUri(profileToken: string): Promise<string | null> {
    try {
      const raw = await this.call<{ uri?: unknown }>('GetSnapshotUri', (cb) =>
        this.cam.getSnapshotUri({ profileToken }, cb as never),
      );
      return typeof raw?.uri === 'string' && raw.uri.trim() ? raw.uri.trim() : null;
    } catch (error) {
      if (error instanceof KadrError && error.code === 'KADR_ERR_ONVIF_FAULT') return null;
      throw error;
    }
  }

  /** One SOAP call that settles once: the package's answer, or the deadline. */
  private call<T>(operation: string, run: (cb: Callback<T>) => void): Promise<T> {
    delete this.last.status;
    delete this.last.body;
    const exchange = (): SoapExchange => ({ operation, xaddr: this.xaddr, ...this.last });
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      // The socket idle timeout inside the package covers a silent device; this one also covers a
      // device that trickles bytes, and a callback the package never calls.
      const timer = setTimeout(() => finish(timeoutError(exchange(), this.timeoutMs)), this.timeoutMs + 500);
      const finish = (error: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          const e = soapCallError(error, exchange(), this.timeoutMs);
          this.log.debug('onvif call failed', {
            operation,
            xaddr: this.xaddr,
            code: e.code,
            error: e.message,
          });
          reject(e);
        } else resolve(value as T);
      };
      try {
        run((err, data) => finish(err, data));
      } catch (error) {
        finish(error);
      }
    });
  }
}

interface RawProfile {
  $?: { token?: unknown };
  name?: unknown;
  videoEncoderConfiguration?: {
    encoding?: unknown;
    resolution?: { width?: unknown; height?: unknown };
    rateControl?: { frameRateLimit?: unknown };
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toProfile(p: RawProfile): OnvifProfile {
  const enc = p.videoEncoderConfiguration;
  return {
    token: p.$?.token === undefined ? '' : String(p.$.token),
    name: p.name === undefined ? '' : String(p.name),
    encoding: enc?.encoding === undefined ? null : String(enc.encoding),
    width: num(enc?.resolution?.width),
    height: num(enc?.resolution?.height),
    frameRateLimit: num(enc?.rateControl?.frameRateLimit),
  };
}
