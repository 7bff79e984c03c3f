/**
 * Runs the real `kadr` command (src/cli/bin.ts through tsx) as a child process, the way a user
 * runs it, and reads its address from stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

export interface KadrProcess {
  readonly proc: ChildProcess;
  /** http://127.0.0.1:PORT for `serve`; empty for `worker`. */
  readonly url: string;
  stderr(): string;
  /** SIGTERM (clean shutdown) and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** kill -9, as a crash or a pulled plug would. */
  kill9(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Env for kadr children: the test's env without S3_* unless asked, plus overrides. */
export function kadrEnv(overrides: Record<string, string | undefined>, keepS3 = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (!keepS3 && k.startsWith('S3_')) delete env[k];
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export async function startKadr(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp = /listening on (http:\/\/[0-9.:]+)/,
  timeoutMs = 60_000,
  /** A network namespace to run it in (`ip netns exec` execs the command, so `proc` is kadr itself). */
  netns?: string,
): Promise<KadrProcess> {
  const command = [process.execPath, '--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), ...args];
  if (netns !== undefined) command.unshift('ip', 'netns', 'exec', netns);
  const proc = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kadr ${args.join(' ')} not ready:\n${err}`)), timeoutMs);
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = ready.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? '');
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`kadr ${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${err}`));
    });
  });
  return {
    proc,
    url,
    stderr: () => err,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return (await exited).code;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
