/** Process entry of the `kadr` command (bin/kadr.js loads the compiled copy of this file). */
import { StoppedBySignal } from './command.js';
import { runCli } from './main.js';

// `kadr index x --csv | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // The first signal asks the running command to stop cleanly; a second one ends the process.
    if (controller.signal.aborted) endBy(sig);
    else controller.abort(new StoppedBySignal(sig));
  });
}
const code = await runCli(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  signal: controller.signal,
});
const reason: unknown = controller.signal.reason;
if (reason instanceof StoppedBySignal && code === reason.exitCode) endBy(reason.signal);
process.exitCode = code;

/**
 * Ends the process the way the signal would have without a handler, so the shell sees 130 or 143.
 * Not process.exit(): it waits for FFmpeg calls still running on libuv's threads, and one blocked on
 * a silent server never returns. Output written so far is already out (stdout and stderr are
 * synchronous for files, pipes and terminals on POSIX).
 */
function endBy(sig: NodeJS.Signals): void {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}
