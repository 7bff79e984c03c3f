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

/**
 * One line of status on stderr, redrawn in place, for work without a known total (a recording).
 * Lines printed through it go above the status line, so the two never tear each other. Where the
 * stream is not a terminal (pipes, logs), or `redraw` is false, only the printed lines come out.
 */
export interface StatusLine {
  show(text: string): void;
  print(line: string): void;
  done(): void;
}

export function createStatusLine(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  redraw = true,
): StatusLine {
  if (!stream.isTTY || !redraw) {
    return { show() {}, print: (line) => stream.write(`${line}\n`), done() {} };
  }
  let current = '';
  return {
    show(text) {
      current = text;
      stream.write(`\r\x1b[K${text}`);
    },
    print(line) {
      stream.write(`\r\x1b[K${line}\n${current}`);
    },
    done() {
      if (current) stream.write('\r\x1b[K');
      current = '';
    },
  };
}

/** 83,500 ms -> '1:23'; an hour or more -> '1:02:03'. */
export function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}
