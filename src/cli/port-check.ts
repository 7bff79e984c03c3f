/**
 * Checks, before anything is built (the embedded PostgreSQL takes seconds to start), that the ports a
 * command will listen on are free, so that a busy port is one line saying what to do rather than
 * a bare EADDRINUSE after the database came up. A port taken between this check and the real listen
 * still fails there; this only moves the common case to the front.
 */
import net from 'node:net';
import { KadrError } from '../core/errors.js';

export interface PortUse {
  port: number;
  /** What listens there, for the message: "HTTP", "RTSP". */
  what: string;
  /** The flag that changes it: "--port". */
  flag: string;
}

export async function assertPortsFree(host: string, uses: PortUse[]): Promise<void> {
  for (const use of uses) {
    if (use.port === 0) continue; // the system picks a free one
    const problem = await tryListen(host, use.port);
    if (!problem) continue;
    const busy = problem === 'EADDRINUSE';
    throw new KadrError(
      'KADR_ERR_USAGE',
      busy
        ? `${use.what} port ${use.port} on ${host} is already in use`
        : `cannot listen on ${host}:${use.port} for ${use.what} (${problem})`,
      {
        hint: busy
          ? `stop what listens there (another kadr?), or choose another port with ${use.flag} <n> (0 picks a free one)`
          : `choose another address or port (${use.flag})`,
      },
    );
  }
}

function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
