import type { Command } from '../command.js';
import { rtspServeCommand } from './rtsp-serve.js';

/** Every `kadr` command, in the order `kadr --help` lists them. */
export const commands: Command[] = [rtspServeCommand];
