/**
 * `kadr` command line: dispatches to a command, turns errors into one line on stderr and an exit
 * code (2 for usage and input errors, 1 for anything else), never a stack trace unless KADR_DEBUG=1.
 */
import '../core/polyfill.js';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { describeError, isKadrError } from '../core/errors.js';
import { configureFfmpegLog } from '../media/index.js';
import type { Command, CommandIo } from './command.js';
import { commands } from './commands/index.js';

function help(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`);
  return `usage: kadr <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nkadr <command> --help shows a command's options.\n`;
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(help());
    return name ? 0 : 2;
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
    return (await command.run(args, io)) ?? 0;
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
