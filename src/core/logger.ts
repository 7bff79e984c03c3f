/**
 * The logging seam of the protocol and media code: they take a Logger and never import a logging
 * library. The server wires pino behind it; libraries default to silence (werift's `debug` habit).
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A plain logger to stderr, one JSON object per line; good enough for CLI tools and tests. */
export function stderrLogger(
  level: 'debug' | 'info' | 'warn' | 'error' = 'info',
  base: Record<string, unknown> = {},
): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
  const emit = (lvl: keyof typeof order, message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    process.stderr.write(
      `${JSON.stringify({ level: lvl, time: new Date().toISOString(), ...base, msg: message, ...fields })}\n`,
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => stderrLogger(level, { ...base, ...fields }),
  };
}
