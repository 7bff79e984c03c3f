import type { Command } from '../command.js';

/** Every `kadr` command, in the order `kadr --help` lists them. */
export const commands: Command[] = [];

import { recordCommand } from './record.js';
commands.push(recordCommand);
