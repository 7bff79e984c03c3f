/**
 * The sending half of `kadr push`: one ingest session on a kadr server (docs/ingest.md), frames posted
 * one at a time in capture order. A frame the server refuses (409 out of order / duplicate, 400 not a
 * JPEG, 413 too large) is counted and skipped; a failed request (no connection, 5xx) is retried with
 * back-off, and a session the server no longer knows (it restarted) is replaced by a new one, so a
 * push outlives a server restart with one recording per session.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KadrError } from '../core/errors.js';

export interface PushRecording {
  id: string;
  key: string;
  frames: number;
  firstFrameTime: string;
  lastFrameTime: string;
}

export interface PushCounts {
  sent: number;
  refused: number;
  retries: number;
  sessions: number;
}

interface Answer {
  status: number;
  json: Record<string, unknown> | null;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class PushSender {
  readonly counts: PushCounts = { sent: 0, refused: 0, retries: 0, sessions: 0 };
  readonly recordings: PushRecording[] = [];
  private id: string | null = null;
  private readonly root: string;

  constructor(
    server: string,
    private readonly token: string | undefined,
    private readonly name: string,
    private readonly log: (line: string) => void,
  ) {
    let base: URL;
    try {
      base = new URL(server);
    } catch {
      throw new KadrError(
        'KADR_ERR_USAGE',
        `--server must be a URL like http://127.0.0.1:8080, got '${server}'`,
      );
    }
    this.root = base.toString().replace(/\/$/, '');
  }

  /** Sends one frame; resolves once the server took or refused it. Retries until `signal` aborts. */
  async send(jpeg: Buffer, captureMs: number, signal: AbortSignal): Promise<'sent' | 'refused' | 'stopped'> {
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      if (signal.aborted) return 'stopped';
      const id = this.id ?? (await this.open(signal));
      if (id === null) return 'stopped';
      const answer = await this.call('POST', `/api/ingest/${id}/frames`, jpeg, {
        'content-type': 'image/jpeg',
        'x-capture-time': new Date(captureMs).toISOString(),
      });
      if (answer && answer.status === 200) {
        this.counts.sent++;
        return 'sent';
      }
      if (answer && [400, 409, 413].includes(answer.status)) {
        if (answer.status === 409 && this.sessionEnded(answer)) {
          // Finished by the server (idle timeout): keep its recording, go on in a new session.
          this.id = null;
          await this.collect(id);
          continue;
        }
        this.counts.refused++;
        this.log(`frame at ${new Date(captureMs).toISOString()} refused: ${message(answer)}`);
        return 'refused';
      }
      if (answer && answer.status === 404) {
        this.log('the server no longer knows the session (restarted?): opening a new one');
        this.id = null;
        continue;
      }
      if (answer && answer.status >= 400 && answer.status < 500) {
        throw new KadrError('KADR_ERR_VALIDATION', `${answer.status}: ${message(answer)}`);
      }
      this.counts.retries++;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Finishes the current session and keeps its recording; nothing to do without one. */
  async finish(): Promise<PushRecording | null> {
    const id = this.id;
    if (id === null) return null;
    this.id = null;
    for (let attempt = 0, delay = RETRY_MIN_MS; attempt < 6; attempt++, delay *= 2) {
      const answer = await this.call('POST', `/api/ingest/${id}/finish`);
      if (answer?.status === 200 && answer.json) {
        const r = { id, ...(answer.json as Omit<PushRecording, 'id'>) };
        this.recordings.push(r);
        return r;
      }
      if (answer && answer.status < 500) {
        this.log(`finishing session ${id}: ${answer.status} ${message(answer)}`);
        return null;
      }
      await sleep(delay);
    }
    this.log(`session ${id} could not be finished; the server finishes it after its idle timeout`);
    return null;
  }

  /** The recording of a session the server ended by itself, if it stored one. */
  private async collect(id: string): Promise<void> {
    const answer = await this.call('GET', `/api/ingest/${id}`);
    const recording = answer?.json?.recording as Omit<PushRecording, 'id'> | null | undefined;
    if (recording) this.recordings.push({ id, ...recording });
    this.log(`session ${id} was finished by the server (${String(answer?.json?.endReason ?? 'unknown')})`);
  }

  private async open(signal: AbortSignal): Promise<string | null> {
    for (let delay = RETRY_MIN_MS; !signal.aborted; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      const answer = await this.call('POST', '/api/ingest', JSON.stringify({ name: this.name }), {
        'content-type': 'application/json',
      });
      if (answer?.status === 201 && typeof answer.json?.id === 'string') {
        this.id = answer.json.id;
        this.counts.sessions++;
        this.log(`session ${this.id} opened`);
        return this.id;
      }
      if (answer && answer.status >= 400 && answer.status < 500 && answer.status !== 409) {
        throw new KadrError(
          'KADR_ERR_VALIDATION',
          `cannot open a session: ${answer.status} ${message(answer)}`,
        );
      }
      // No connection, a 5xx, or the name still taken by a session the server has not timed out yet.
      this.counts.retries++;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
    return null;
  }

  private sessionEnded(answer: Answer): boolean {
    return /takes no more frames/.test(message(answer));
  }

  /** One request; null when it did not get an answer (no connection, reset). */
  private async call(
    method: string,
    url: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<Answer | null> {
    try {
      const res = await fetch(`${this.root}${url}`, {
        method,
        headers: { ...headers, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let json: Record<string, unknown> | null = null;
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        json = null;
      }
      if (res.status === 401) {
        throw new KadrError('KADR_ERR_UNAUTHORIZED', `401: ${message({ status: 401, json })}`, {
          hint: "set KADR_TOKEN to the server's KADR_API_TOKEN",
        });
      }
      return { status: res.status, json };
    } catch (error) {
      if (error instanceof KadrError) throw error;
      return null;
    }
  }
}

function message(answer: Answer): string {
  const error = answer.json?.error as { message?: string } | undefined;
  return error?.message ?? `status ${answer.status}`;
}
