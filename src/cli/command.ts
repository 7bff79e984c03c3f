/**
 * The shape of one `kadr <name>` command. Commands parse their own options with node's parseArgs
 * (declared in `options`), do their work through library functions, and write results to `io`.
 * Errors are thrown as KadrError and turned into one line plus an exit code by main.ts.
 */
import type { ParseArgsConfig } from 'node:util';

export interface CommandIo {
  /** Results (JSON or human text) go here. */
  out: NodeJS.WritableStream;
  /** Progress and log lines go here, so that stdout stays machine-readable. */
  err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** What `kadr --help` needs to know of a command, and how to load the rest. */
export interface CommandEntry {
  name: string;
  /** One line for `kadr --help`. */
  summary: string;
  load(): Promise<Command>;
}

export interface Command {
  name: string;
  /** Full usage text for `kadr <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /**
   * True when run() watches io.signal and ends by itself, cleanly, on SIGINT/SIGTERM (the servers,
   * the recorder). Any other command is left behind when a signal comes: the process ends at once,
   * because a read from a stalled server inside FFmpeg cannot be interrupted from JavaScript.
   */
  stopsOnSignal?: boolean;
  run(args: ParsedArgs, io: CommandIo): Promise<number | void>;
}

/** The abort reason of io.signal when a signal stopped the command. */
export class StoppedBySignal extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`stopped by ${signal}`);
  }

  /** The shell's status for a process ended by this signal: 128 + its number (130, 143). */
  get exitCode(): number {
    return 128 + (this.signal === 'SIGINT' ? 2 : 15);
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Resolves when the command is asked to stop (SIGINT/SIGTERM). */
export function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
