/**
 * A progress bar on stderr for long CLI work. It draws only on a terminal (so pipes and CI logs stay
 * clean) and at most ten times a second, so a tight loop can call update() on every packet.
 */
export interface Progress {
  update(done: number, total?: number): void;
  done(message?: string): void;
}

export function createProgress(label: string, stream: NodeJS.WritableStream & { isTTY?: boolean }): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  const width = 30;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      if (total && total > 0) {
        const ratio = Math.min(1, done / total);
        const filled = Math.round(ratio * width);
        const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
        stream.write(`\r${label} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total}`);
      } else {
        stream.write(`\r${label} ${done}`);
      }
    },
    done(message) {
      if (drawn) stream.write('\r\x1b[K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
