/**
 * An RTSP server for a list of video files (`kadr rtsp-serve`): each file is a mount named after it
 * (without extension), served at its own pace, looped when asked.
 *
 * Secure by default: listening on anything but loopback without credentials is refused unless the
 * caller says `allowNoAuth`, because an RTSP server on a LAN hands every camera archive it serves to
 * anyone who can reach the port.
 */
import { existsSync, statSync } from 'node:fs';
import { isLoopback } from '../config/index.js';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RtspServer } from '../rtsp/index.js';
import { FileSource, mountNameFor, ByteBudget, StreamRegistry } from '../streams/index.js';

export interface RtspFilesOptions {
  files: string[];
  host: string;
  port: number;
  /** Even UDP port for RTP, RTCP on the next one; 0: a free pair. */
  udpRtpPort: number;
  loop: boolean;
  cacheBytes: number;
  auth: { user: string; password: string } | undefined;
  allowNoAuth: boolean;
  logger: Logger;
}

export interface RtspListening {
  host: string;
  port: number;
  udpRtpPort: number;
  /** Mounts served so far. */
  readonly mounts: string[];
  close(): Promise<void>;
}

function checkRtspFilesOptions(o: Pick<RtspFilesOptions, 'files' | 'host' | 'auth' | 'allowNoAuth'>): void {
  if (o.files.length === 0) throw new KadrError('KADR_ERR_USAGE', 'give at least one video file');
  if (!o.auth && !isLoopback(o.host) && !o.allowNoAuth) {
    throw new KadrError('KADR_ERR_USAGE', `refusing to serve on ${o.host} without authentication`, {
      hint: 'set KADR_RTSP_USER and KADR_RTSP_PASSWORD, or pass --no-auth if the network is trusted',
    });
  }
}

export async function startRtspFiles(o: RtspFilesOptions): Promise<RtspListening> {
  checkRtspFilesOptions(o);
  const registry = new StreamRegistry(o.logger);
  const cacheBudget = new ByteBudget(o.cacheBytes);
  try {
    for (const file of o.files) {
      if (!existsSync(file) || !statSync(file).isFile()) {
        throw new KadrError('KADR_ERR_INPUT_NOT_FOUND', `no such file: ${file}`);
      }
      const source = new FileSource(mountNameFor(file), file, {
        loop: o.loop,
        logger: o.logger,
        cacheBudget,
      });
      registry.add(source);
      // Describe now: a file that cannot be served fails at start, not at a client's first request.
      await source.describe();
    }
    const server = new RtspServer({
      handler: registry,
      host: o.host,
      port: o.port,
      udpRtpPort: o.udpRtpPort,
      auth: o.auth,
      logger: o.logger,
    });
    const bound = await server.listen();
    return {
      host: o.host,
      port: bound.port,
      udpRtpPort: bound.udpRtpPort,
      get mounts() {
        return registry.mountNames;
      },
      close: async () => {
        await server.close();
        await registry.closeAll();
      },
    };
  } catch (error) {
    await registry.closeAll();
    throw error;
  }
}
