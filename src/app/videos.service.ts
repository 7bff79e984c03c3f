/**
 * Video use cases: upload (streamed into object storage), list, get, pause, resume, cancel,
 * delete, live events. Status changes are conditional UPDATEs on the row (the truth); workers
 * anywhere see them on their next heartbeat.
 */
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VideoAnalyticKind, VideoRow, VideoStatus, VideosRepository } from '../db/index.js';
import { queues, type JobQueue } from '../jobs/index.js';
import type { ObjectStore } from '../storage/index.js';
import { containerTypeOf, SNIFF_BYTES } from './container-type.js';
import { toVideoDto, type VideoDto } from './video.dto.js';
import type { VideoEventListener, VideoEvents } from './video-events.js';

export interface UploadFile {
  filename: string;
  contentType: string | null;
  stream: Readable;
  /** What to analyse it for (default faces). */
  analytics?: VideoAnalyticKind[];
}

export interface VideoPage {
  items: VideoDto[];
  page: number;
  size: number;
  hasNextPage: boolean;
}

export interface VideosServiceDeps {
  repo: VideosRepository;
  store: ObjectStore;
  queue: JobQueue;
  events: VideoEvents | undefined;
  log: Logger;
  uploadMaxBytes: number;
  /** Called after a video is deleted (profiles drop people seen nowhere else). */
  onDeleted?: (id: string) => Promise<void>;
}

/** Counts bytes and fails the stream past the limit, so that nothing larger reaches storage. */
function limitBytes(max: number, filename: string, onLimit: (e: KadrError) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) {
        const error = new KadrError(
          'KADR_ERR_UPLOAD_TOO_LARGE',
          `'${filename}' is larger than the limit of ${max} bytes`,
          {
            hint: 'raise KADR_UPLOAD_MAX_BYTES or upload a smaller file',
          },
        );
        onLimit(error);
        cb(error);
      } else cb(null, chunk);
    },
  });
}

/** C0 controls and DEL: PostgreSQL text cannot hold NUL, and the others break logs and headers. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Reads the first `bytes` of a stream (fewer if it ends first) and returns them with a stream that
 * yields the whole of it again, errors included.
 */
async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; body: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    try {
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    } finally {
      await it.return?.();
    }
  }
  return { head: head.subarray(0, bytes), body: Readable.from(all(), { objectMode: false }) };
}

/**
 * No file-name extension in the key: FFmpeg then recognises the format from the content alone.
 * With the client's extension it would trust it, and e.g. any `.txt` opens as a "video" through
 * FFmpeg's tty (ANSI art) demuxer.
 */
function objectKeyFor(id: string): string {
  return `videos/${id}/source`;
}

export class VideosService {
  constructor(private readonly deps: VideosServiceDeps) {}

  async upload(file: UploadFile): Promise<VideoDto> {
    const id = randomUUID();
    const filename = file.filename.slice(0, 255) || 'upload';
    if (CONTROL_CHARS.test(filename)) {
      file.stream.resume(); // drain this part so the request can be answered
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `the file name ${JSON.stringify(filename.slice(0, 80))} contains a control character`,
        { hint: 'rename the file without control characters (NUL, newline, tab...)' },
      );
    }
    const key = objectKeyFor(id);
    // The store reports a failed source as its own write error; the cause the client must see
    // is ours (too large) or the source's (client gone, multipart limits).
    let cause: Error | undefined;
    const limited = file.stream.pipe(limitBytes(this.deps.uploadMaxBytes, filename, (e) => (cause ??= e)));
    file.stream.once('error', (e) => {
      cause ??= clientStreamError(e, filename);
      limited.destroy(e);
    });
    let size: number;
    let contentType: string | null;
    try {
      const { head, body } = await peek(limited, SNIFF_BYTES);
      contentType = containerTypeOf(head) ?? file.contentType;
      const info = await this.deps.store.put(key, body, contentType ? { contentType } : {});
      size = info.size;
    } catch (error) {
      file.stream.resume(); // drain the rest of this part so the next one can be read
      await this.deps.store.delete(key).catch(() => undefined);
      throw cause ?? error;
    }
    let row: VideoRow;
    try {
      row = await this.deps.repo.insert({
        id,
        filename,
        contentType,
        sizeBytes: size,
        objectKey: key,
        analytics: file.analytics ?? ['faces'],
      });
    } catch (error) {
      // Never a stored file without its row: nothing could reach it through the API.
      await this.deps.store.delete(key).catch(() => undefined);
      throw error;
    }
    await this.deps.queue.send(queues.videoAnalyze, { videoId: id });
    this.deps.log.info('video uploaded', { video: id, filename, bytes: size });
    return toVideoDto(row);
  }

  /** Sets the analytics of videos of one upload that are still queued (the field came after their files). */
  async setAnalytics(ids: readonly string[], analytics: VideoAnalyticKind[]): Promise<void> {
    await this.deps.repo.setAnalytics(ids, analytics);
  }

  async list(q: { page: number; size: number; status?: VideoStatus | undefined }): Promise<VideoPage> {
    const offset = (q.page - 1) * q.size;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new KadrError('KADR_ERR_VALIDATION', `page ${q.page} of size ${q.size} is out of range`);
    }
    const res = await this.deps.repo.list({ offset, limit: q.size, status: q.status });
    return { items: res.items.map(toVideoDto), page: q.page, size: q.size, hasNextPage: res.hasNextPage };
  }

  async get(id: string): Promise<VideoDto> {
    return toVideoDto(await this.row(id));
  }

  pause(id: string): Promise<VideoDto> {
    return this.move(id, ['queued', 'processing'], 'paused');
  }

  async resume(id: string): Promise<VideoDto> {
    const dto = await this.move(id, ['paused'], 'queued', ['processing']);
    if (dto.status === 'queued') await this.deps.queue.send(queues.videoAnalyze, { videoId: id });
    return dto;
  }

  cancel(id: string): Promise<VideoDto> {
    return this.move(id, ['queued', 'processing', 'paused'], 'cancelled');
  }

  /** Deletes the row (a worker on it stops at its next heartbeat) and the stored file. */
  async remove(id: string): Promise<void> {
    const row = await this.deps.repo.delete(id);
    if (!row) throw notFound(id);
    await this.deps.onDeleted?.(id);
    await this.deps.store
      .delete(row.objectKey)
      .catch((e: unknown) =>
        this.deps.log.warn('stored file not deleted', { video: id, key: row.objectKey, error: String(e) }),
      );
  }

  subscribe(listener: VideoEventListener): () => void {
    if (!this.deps.events)
      throw new KadrError('KADR_ERR_INTERNAL', 'live events are not enabled in this process');
    return this.deps.events.subscribe(listener);
  }

  private async row(id: string): Promise<VideoRow> {
    const row = await this.deps.repo.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  /** A conditional status change; asking for the state a video is already in is not an error. */
  private async move(
    id: string,
    from: VideoStatus[],
    to: VideoStatus,
    alsoFine: VideoStatus[] = [],
  ): Promise<VideoDto> {
    const moved = await this.deps.repo.transition(id, from, to);
    if (moved) return toVideoDto(moved);
    const row = await this.row(id);
    if (row.status === to || alsoFine.includes(row.status)) return toVideoDto(row);
    throw new KadrError(
      'KADR_ERR_CONFLICT',
      `video ${id} is ${row.status}; it can become ${to} only from ${from.join(' or ')}`,
    );
  }
}

/**
 * An error of the upload's own stream is the client's: a multipart body cut or malformed. Errors
 * that already say what they are (ours, or the multipart plugin's FST_* limits) pass unchanged.
 */
function clientStreamError(e: Error, filename: string): Error {
  const code = (e as { code?: unknown }).code;
  if (e instanceof KadrError || (typeof code === 'string' && code.startsWith('FST_'))) return e;
  return new KadrError(
    'KADR_ERR_VALIDATION',
    `the upload of '${filename}' is cut short or malformed (${e.message})`,
    {
      hint: 'send the whole multipart/form-data body',
      cause: e,
    },
  );
}

function notFound(id: string): KadrError {
  return new KadrError('KADR_ERR_NOT_FOUND', `no video with id ${id}`);
}
