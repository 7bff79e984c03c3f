/**
 * Live video changes for SSE clients. Workers may run in other processes or on other machines,
 * so changes come from PostgreSQL itself: a trigger on `videos` NOTIFYs `kadr_videos`, and each
 * API process LISTENs on one dedicated connection (reconnecting if it drops).
 */
import pg from 'pg';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VideosRepository } from '../db/index.js';
import { toVideoDto, type VideoDto } from './video.dto.js';

export type VideoEvent = { type: 'video'; video: VideoDto } | { type: 'deleted'; id: string };
export type VideoEventListener = (event: VideoEvent) => void;

export class VideoEvents {
  private readonly listeners = new Set<VideoEventListener>();
  private client: pg.Client | undefined;
  private closed = false;
  /** Ids with a notification not yet turned into an event; a burst of updates costs one read. */
  private readonly pending = new Set<string>();
  private reading = false;

  constructor(
    private readonly url: string,
    private readonly repo: VideosRepository,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'kadr-events' });
    client.on('notification', (n) => this.onNotification(n.payload));
    client.on('error', (e) => {
      this.log.warn('event connection lost', { error: e.message });
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query('LISTEN kadr_videos');
    this.client = client;
  }

  private reconnect(old: pg.Client): void {
    if (this.closed || this.client !== old) return;
    this.client = undefined;
    setTimeout(() => {
      if (!this.closed) this.start().catch((e: unknown) => this.reconnectLater(e));
    }, 1000).unref();
  }

  private reconnectLater(e: unknown): void {
    this.log.warn('event connection retry failed', { error: describeError(e) });
    setTimeout(() => {
      if (!this.closed) this.start().catch((err: unknown) => this.reconnectLater(err));
    }, 2000).unref();
  }

  subscribe(listener: VideoEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onNotification(payload: string | undefined): void {
    if (!payload || this.listeners.size === 0) return;
    let msg: { id: string; deleted?: boolean };
    try {
      msg = JSON.parse(payload) as { id: string; deleted?: boolean };
    } catch {
      return;
    }
    if (msg.deleted) {
      this.pending.delete(msg.id);
      this.emit({ type: 'deleted', id: msg.id });
      return;
    }
    this.pending.add(msg.id);
    if (!this.reading) void this.drain();
  }

  private async drain(): Promise<void> {
    this.reading = true;
    try {
      while (this.pending.size) {
        const id = this.pending.values().next().value as string;
        this.pending.delete(id);
        const row = await this.repo.get(id).catch(() => null);
        if (row) this.emit({ type: 'video', video: toVideoDto(row) });
      }
    } finally {
      this.reading = false;
    }
  }

  private emit(event: VideoEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.log.warn('event listener failed', { error: describeError(e) });
      }
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
