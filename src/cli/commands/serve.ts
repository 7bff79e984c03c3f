/**
 * `kadr serve`: the HTTP API and the analysis workers in one process, with kadr's own PostgreSQL
 * and a directory of objects unless DATABASE_URL / S3_* say otherwise.
 */
import { buildServer } from '../../api/index.js';
import { createApp } from '../../app/index.js';
import { isLoopback, loadConfig, rtspCacheBytes } from '../../config/index.js';
import { stderrLogger } from '../../core/logger.js';
import { KadrError } from '../../core/errors.js';
import { type FolderRtsp, startFolderRtsp } from '../../streams/rtsp-folder.js';
import { stringOption, type Command } from '../command.js';
import { assertPortsFree } from '../port-check.js';
import { portOption } from './rtsp-serve.js';

export const serveCommand: Command = {
  name: 'serve',
  usage: `usage: kadr serve [--host <addr>] [--port <n>] [--data <dir>] [--concurrency <n>]

Runs the HTTP API (OpenAPI at /api/openapi.json, docs at /api/docs) and as many analysis workers
as --concurrency (default: the number of cores; 0 runs the API only).

  --host <addr>        listen address (default 127.0.0.1; KADR_HOST). Anything but loopback
                       requires KADR_API_TOKEN (clients send "Authorization: Bearer <token>").
  --port <n>           HTTP port (default 8080; KADR_PORT; 0 picks a free one)
  --data <dir>         data directory: embedded PostgreSQL and objects (default ./data; KADR_DATA_DIR)
  --concurrency <n>    videos analysed at once (default: cores; KADR_CONCURRENCY)
  --media <dir>        also serve every video in <dir> (also those added later) over RTSP, looped,
                       at rtsp://HOST:PORT/<name>
                       (KADR_MEDIA_DIR); beyond loopback it needs KADR_RTSP_USER / KADR_RTSP_PASSWORD;
                       KADR_RTSP_CACHE (default 256M) is the memory kept for packetized files
  --rtsp-port <n>      RTSP port for --media (default 8554)

Environment: DATABASE_URL (use this PostgreSQL instead of the embedded one), S3_* (object store),
KADR_UPLOAD_MAX_BYTES (default 20G), KADR_API_TOKEN, KADR_LOG_LEVEL (debug|info|warn|error).
`,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    concurrency: { type: 'string' },
    media: { type: 'string' },
    'rtsp-port': { type: 'string' },
  },
  async run(args, io) {
    const config = loadConfig(process.env, {
      host: stringOption(args, 'host'),
      port: stringOption(args, 'port'),
      data: stringOption(args, 'data'),
      concurrency: stringOption(args, 'concurrency'),
    });
    const log = stderrLogger(config.logLevel, { role: 'serve' });
    const mediaDir = stringOption(args, 'media') ?? process.env.KADR_MEDIA_DIR;
    const rtspPort = portOption(stringOption(args, 'rtsp-port'), 'rtsp-port', 8554);
    const user = process.env.KADR_RTSP_USER;
    const password = process.env.KADR_RTSP_PASSWORD;
    if (mediaDir && !isLoopback(config.host) && !(user && password)) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `refusing to serve RTSP on ${config.host} without authentication`,
        {
          hint: 'set KADR_RTSP_USER and KADR_RTSP_PASSWORD',
        },
      );
    }
    await assertPortsFree(config.host, [
      { port: config.port, what: 'HTTP', flag: '--port' },
      ...(mediaDir ? [{ port: rtspPort, what: 'RTSP', flag: '--rtsp-port' }] : []),
    ]);
    const app = await createApp(config, { roles: { api: true, worker: true }, log });
    let rtsp: FolderRtsp | undefined;
    try {
      const server = await buildServer(app);
      const address = await server.listen({ host: config.host, port: config.port });
      io.err.write(`kadr serve: listening on ${address} (docs at ${address}/api/docs)\n`);
      if (mediaDir) {
        rtsp = await startFolderRtsp({
          dir: mediaDir,
          host: config.host,
          port: rtspPort,
          loop: true,
          cacheBytes: rtspCacheBytes(undefined),
          ...(user && password ? { auth: { user, password } } : {}),
          logger: log.child({ module: 'rtsp' }),
        });
        for (const m of rtsp.mounts) io.err.write(`kadr serve: rtsp://${config.host}:${rtsp.port}/${m}\n`);
      }
      await waitForAbort(io.signal);
      io.err.write('kadr serve: stopping\n');
      await rtsp?.close();
      await server.close();
    } finally {
      await app.stop();
    }
    return 0;
  },
};

export function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
