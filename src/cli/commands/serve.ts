/**
 * `kadr serve`: the HTTP API and the analysis workers in one process, with kadr's own PostgreSQL
 * and a directory of objects unless DATABASE_URL / S3_* say otherwise.
 */
import { loadConfig } from '../../config/index.js';
import { stderrLogger } from '../../core/logger.js';
import { startKadr } from '../../main/index.js';
import { stringOption, waitForAbort, type Command } from '../command.js';
import { assertPortsFree } from '../port-check.js';

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
  --rtsp-port <n>      RTSP port for --media and the cameras' restream (default 8554; KADR_RTSP_PORT)

Environment: DATABASE_URL (use this PostgreSQL instead of the embedded one), S3_* (object store),
KADR_UPLOAD_MAX_BYTES (default 20G), KADR_API_TOKEN, KADR_LOG_LEVEL (debug|info|warn|error),
KADR_SECRET_KEY (the key camera credentials are encrypted with: docs/cameras.md).
`,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    concurrency: { type: 'string' },
    media: { type: 'string' },
    'rtsp-port': { type: 'string' },
  },
  stopsOnSignal: true,
  async run(args, io) {
    const config = loadConfig({
      host: stringOption(args, 'host'),
      port: stringOption(args, 'port'),
      data: stringOption(args, 'data'),
      concurrency: stringOption(args, 'concurrency'),
      media: stringOption(args, 'media'),
      rtspPort: stringOption(args, 'rtsp-port'),
    });
    const log = stderrLogger(config.server.logLevel, { role: 'serve' });
    const rtspPort = config.rtsp.port;
    // Before the database is built: a busy port should cost the user one second, not a minute.
    await assertPortsFree(config.server.host, [
      { port: config.server.port, what: 'HTTP', flag: '--port' },
      { port: rtspPort, what: 'RTSP', flag: '--rtsp-port' },
    ]);
    const kadr = await startKadr(
      config,
      {
        api: true,
        worker: true,
        mediaFolder: { port: rtspPort, logger: log.child({ module: 'rtsp' }) },
        cameras: { port: rtspPort, logger: log.child({ module: 'cameras' }) },
      },
      log,
    );
    try {
      io.err.write(`kadr serve: listening on ${kadr.httpAddress} (docs at ${kadr.httpAddress}/api/docs)\n`);
      if (kadr.rtsp) {
        io.err.write(
          `kadr serve: cameras restreamed at rtsp://${kadr.rtsp.host}:${kadr.rtsp.port}/<camera name>\n`,
        );
        for (const m of kadr.rtsp.mounts)
          io.err.write(`kadr serve: rtsp://${kadr.rtsp.host}:${kadr.rtsp.port}/${m}\n`);
      }
      await waitForAbort(io.signal);
      io.err.write('kadr serve: stopping\n');
    } finally {
      await kadr.close();
    }
    return 0;
  },
};
