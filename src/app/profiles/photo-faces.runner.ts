/**
 * The parent side of photo-faces.child.ts: one long-lived child process, started on the first photo,
 * that reads the face of each photo in turn, so that a burst of photos costs the HTTP server nothing
 * but the bytes sent over IPC. Each photo has `timeoutMs` from the moment it is sent, queue included:
 * past it the request is refused with KADR_ERR_ANALYSIS_BUSY (503) and the child keeps going. When the
 * child dies, the photos it held go to a new one; a photo that was held by two children that died
 * fails with KADR_ERR_INPUT_CORRUPT (native code crashing on it is then the likely cause).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KadrError, type KadrErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

export interface PhotoFace {
  embedding: Float32Array;
  /** JPEG of the face, at most 320 px. */
  crop: Buffer;
  /** The face's longer side, px. */
  size: number;
}

/** What ProfilePhotosService needs: the face of a photo, read somewhere else than the caller's thread. */
export interface PhotoFaceReading {
  faceOf(photo: Buffer, face?: number): Promise<PhotoFace>;
  close(): Promise<void>;
}

type ChildReply =
  | { type: 'face'; id: number; embedding: Float32Array; crop: Uint8Array; size: number }
  | { type: 'error'; id: number; code: string; message: string; hint?: string };

interface Pending {
  photo: Buffer;
  face: number | undefined;
  /** Children it was sent to. */
  tries: number;
  resolve: (face: PhotoFace) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** Time for one photo, waiting for the photos before it included. */
export const PHOTO_TIMEOUT_MS = 30_000;

function childEntry(): { path: string; execArgv: string[] } {
  const self = import.meta.url;
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const path = fileURLToPath(new URL(`./photo-faces.child${ext}`, self));
  return { path, execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

export class PhotoFaceProcess implements PhotoFaceReading {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs = PHOTO_TIMEOUT_MS,
  ) {}

  faceOf(photo: Buffer, face?: number): Promise<PhotoFace> {
    const id = this.nextId++;
    return new Promise<PhotoFace>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new KadrError(
            'KADR_ERR_ANALYSIS_BUSY',
            `the photo was not analysed within ${this.timeoutMs / 1000} s (${this.pending.size} more photo(s) waiting)`,
            { hint: 'send it again in a few seconds' },
          ),
        );
      }, this.timeoutMs);
      this.pending.set(id, { photo, face, tries: 0, resolve, reject, timer });
      this.send(id);
    });
  }

  private send(id: number): void {
    const p = this.pending.get(id)!;
    if (this.closed) {
      this.settle(id, (q) =>
        q.reject(
          new KadrError('KADR_ERR_ANALYSIS_BUSY', 'the server is stopping: the photo was not analysed'),
        ),
      );
      return;
    }
    p.tries++;
    const { photo, face } = p;
    // A failed send means the child is going: its exit hands the photo to the next one.
    this.start().send({ type: 'photo', id, photo, ...(face !== undefined ? { face } : {}) }, () => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect(); // the child exits when its channel closes
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const { path, execArgv } = childEntry();
    const child = fork(path, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (reply: ChildReply) => {
      this.settle(reply.id, (p) => {
        if (reply.type === 'face') {
          p.resolve({
            embedding: reply.embedding,
            crop: Buffer.from(reply.crop.buffer, reply.crop.byteOffset, reply.crop.byteLength),
            size: reply.size,
          });
        } else {
          const code = reply.code.startsWith('KADR_ERR_')
            ? (reply.code as KadrErrorCode)
            : 'KADR_ERR_INTERNAL';
          p.reject(new KadrError(code, reply.message, reply.hint ? { hint: reply.hint } : {}));
        }
      });
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.pending.size > 0) {
        this.log.warn('photo analysis process ended', { code, signal, photos: this.pending.size });
      }
      for (const [id, pending] of [...this.pending]) {
        if (pending.tries < 2) {
          this.send(id);
          continue;
        }
        this.settle(id, (p) =>
          p.reject(
            new KadrError(
              'KADR_ERR_INPUT_CORRUPT',
              `the photo could not be analysed: the analysis process ended (${signal ? `signal ${signal}` : `exit code ${code}`})`,
              { hint: 'send an undamaged JPEG or PNG' },
            ),
          ),
        );
      }
    });
    child.once('error', (error) => this.log.warn('photo analysis process', { error: error.message }));
    this.child = child;
    return child;
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    fn(p);
  }
}
