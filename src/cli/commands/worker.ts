/**
 * `kadr worker`: analysis workers only, on any machine that reaches the same PostgreSQL
 * (DATABASE_URL) and object store (S3_*). This is how kadr grows past one machine.
 */
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { stderrLogger } from '../../core/logger.js';
import { startKadr } from '../../main/index.js';
import { stringOption, waitForAbort, type Command } from '../command.js';

export const workerCommand: Command = {
  name: 'worker',
  usage: `usage: kadr worker [--concurrency <n>] [--data <dir>]

Runs analysis workers against the database at DATABASE_URL and the object store in S3_* (or,
without them, the embedded PostgreSQL and the objects under --data on this machine).

  --concurrency <n>    videos analysed at once (default: cores; KADR_CONCURRENCY)
  --data <dir>         data directory (default ./data; KADR_DATA_DIR)
`,
  options: {
    concurrency: { type: 'string' },
    data: { type: 'string' },
  },
  stopsOnSignal: true,
  async run(args, io) {
    const config = loadConfig({
      data: stringOption(args, 'data'),
      concurrency: stringOption(args, 'concurrency'),
    });
    const { concurrency, logLevel } = config.server;
    if (concurrency < 1) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `'--concurrency' must be at least 1 for a worker, got ${concurrency}`,
      );
    }
    const log = stderrLogger(logLevel, { role: 'worker' });
    const kadr = await startKadr(config, { worker: true }, log);
    try {
      io.err.write(`kadr worker: running ${concurrency} worker(s)\n`);
      await waitForAbort(io.signal);
      io.err.write('kadr worker: stopping\n');
    } finally {
      await kadr.close();
    }
    return 0;
  },
};
