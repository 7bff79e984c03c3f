/**
 * An RTSP camera as a source that can be connected again and again (the recorder's, through its
 * supervisor): each connect() is one pull (camera-pull.ts); probe() and stillThere() are one TCP
 * connect to the server's port (source-probe.ts).
 */
import { redactUrl } from '../core/redact-url.js';
import type { RtspTransport } from '../rtsp/index.js';
import { openCameraPull, type CameraPull, type CameraPullPath } from './camera-pull.js';
import { rtspServerReachable } from './source-probe.js';

export interface RtspCameraSourceOptions {
  transport: RtspTransport;
  path: CameraPullPath;
  /** No data for this long: the connection is considered lost. */
  readTimeoutMs: number;
  /** Units carry their bytes as a Buffer too (CameraPullOptions.bytes). */
  bytes?: boolean;
}

/** A probe that waits longer than this for the port counts the source as down. */
const PROBE_TIMEOUT_MS = 1000;

export class RtspCameraSource {
  /** The URL without credentials, for logs and segment headers. */
  readonly name: string;

  constructor(
    private readonly url: string,
    private readonly o: RtspCameraSourceOptions,
  ) {
    this.name = redactUrl(url);
  }

  connect(signal: AbortSignal): Promise<CameraPull> {
    return openCameraPull(this.url, {
      path: this.o.path,
      transport: this.o.transport,
      timeoutMs: this.o.readTimeoutMs,
      signal,
      bytes: this.o.bytes ?? false,
    });
  }

  /** Is the RTSP server accepting connections? */
  probe(): Promise<boolean> {
    return rtspServerReachable(this.url, PROBE_TIMEOUT_MS);
  }

  /** After an end of stream: the server still being up means the stream ended, not the server. */
  stillThere(): Promise<boolean> {
    return rtspServerReachable(this.url);
  }
}
