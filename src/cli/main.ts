/**
 * `kadr` command line: dispatches to a command, turns errors into one line on stderr and an exit
 * code (2 for usage and input errors, 1 for anything else, 130/143 when SIGINT/SIGTERM stopped it),
 * never a stack trace unless KADR_DEBUG=1.
 */
import '../core/polyfill.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { describeError, isKadrError } from '../core/errors.js';
import { configureFfmpegLog } from '../media/index.js';
import { type Command, type CommandIo, type ParsedArgs, StoppedBySignal } from './command.js';
import { commands } from './commands/index.js';

/** package.json sits two folders up from both src/cli/ and dist/cli/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function help(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`);
  return `usage: kadr <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nkadr <command> --help shows a command's options; kadr --version the version.\n`;
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out.write(`kadr ${version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err.write(`kadr: unknown command '${name}'; run 'kadr --help' for the list\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    const args = parseArgs({
      args: joinNegativeValues(rest, command),
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    // FFmpeg's own log is off unless KADR_FFMPEG_LOG asks for it: kadr reports problems itself.
    configureFfmpegLog();
    return (await runUntilStopped(command, args, io)) ?? 0;
  } catch (error) {
    if (loadConfig().debug) io.err.write(`${(error as Error)?.stack ?? String(error)}\n`);
    const code = (error as { code?: string })?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err.write(`kadr ${command.name}: ${describeError(error)}; see 'kadr ${command.name} --help'\n`);
      return 2;
    }
    io.err.write(`kadr ${command.name}: ${describeError(error)}\n`);
    if (isKadrError(error)) return error.code === 'KADR_ERR_INTERNAL' ? 1 : 2;
    return 1;
  }
}

/**
 * A command that does not watch the signal (probe, frame...) is not waited for once one comes: it
 * may be blocked in FFmpeg on a server that never answers. It answers the shell's status for the
 * signal, and bin.ts ends the process.
 */
async function runUntilStopped(command: Command, args: ParsedArgs, io: CommandIo): Promise<number | void> {
  if (command.stopsOnSignal) return command.run(args, io);
  let onAbort = (): void => {};
  const stopped = new Promise<number>((resolve) => {
    onAbort = () => {
      const reason: unknown = io.signal.reason;
      io.err.write(`kadr ${command.name}: ${reason instanceof Error ? reason.message : 'stopped'}\n`);
      resolve(reason instanceof StoppedBySignal ? reason.exitCode : 130);
    };
    if (io.signal.aborted) onAbort();
    else io.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([command.run(args, io), stopped]);
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * `--at -5` would read -5 as an option; join it into `--at=-5` so the command can say what is wrong
 * with the value (a negative time) instead of a parser complaint.
 */
function joinNegativeValues(argv: string[], command: { options: Command['options'] }): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && command.options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
