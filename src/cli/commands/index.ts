import type { Command } from '../command.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

/** Every `kadr` command, in the order `kadr --help` lists them. */
export const commands: Command[] = [serveCommand, workerCommand];
