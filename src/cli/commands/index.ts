import type { Command } from '../command.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { frameCommand } from './frame.js';
import { indexCommand } from './index-table.js';
import { probeCommand } from './probe.js';
import { recordCommand } from './record.js';
import { rtspServeCommand } from './rtsp-serve.js';
import { sameMomentCommand } from './same-moment.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

/** Every `kadr` command, in the order `kadr --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  probeCommand,
  frameCommand,
  compareCommand,
  sameMomentCommand,
  indexCommand,
  serveCommand,
  workerCommand,
  rtspServeCommand,
  recordCommand,
];
