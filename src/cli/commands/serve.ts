/**
 * `kadr serve`: the HTTP API and the analysis workers in one process, with kadr's own PostgreSQL
 * and a directory of objects unless DATABASE_URL / S3_* say otherwise.
 */
import { buildServer } from '../../api/index.js';
import { createApp } from '../../app/index.js';
import { loadConfig } from '../../config/index.js';
import { stderrLogger } from '../../core/logger.js';
import { stringOption, type Command } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the HTTP API and the analysis workers',
  usage: `usage: kadr serve [--host <addr>] [--port <n>] [--data <dir>] [--concurrency <n>]

Runs the HTTP API (OpenAPI at /api/openapi.json, docs at /api/docs) and as many analysis workers
as --concurrency (default: the number of cores; 0 runs the API only).

  --host <addr>        listen address (default 127.0.0.1; KADR_HOST). Anything but loopback
                       requires KADR_API_TOKEN (clients send "Authorization: Bearer <token>").
  --port <n>           HTTP port (default 8080; KADR_PORT; 0 picks a free one)
  --data <dir>         data directory: embedded PostgreSQL and objects (default ./data; KADR_DATA_DIR)
  --concurrency <n>    videos analysed at once (default: cores; KADR_CONCURRENCY)

Environment: DATABASE_URL (use this PostgreSQL instead of the embedded one), S3_* (object store),
KADR_UPLOAD_MAX_BYTES (default 20G), KADR_API_TOKEN, KADR_LOG_LEVEL (debug|info|warn|error).
`,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    concurrency: { type: 'string' },
  },
  async run(args, io) {
    const config = loadConfig(process.env, {
      host: stringOption(args, 'host'),
      port: stringOption(args, 'port'),
      data: stringOption(args, 'data'),
      concurrency: stringOption(args, 'concurrency'),
    });
    const log = stderrLogger(config.logLevel, { role: 'serve' });
    const app = await createApp(config, { roles: { api: true, worker: true }, log });
    try {
      const server = await buildServer(app);
      const address = await server.listen({ host: config.host, port: config.port });
      io.err.write(`kadr serve: listening on ${address} (docs at ${address}/api/docs)\n`);
      await waitForAbort(io.signal);
      io.err.write('kadr serve: stopping\n');
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
