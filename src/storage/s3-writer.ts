/**
 * An S3 object written as it is made (ObjectWriter), with the multipart calls of the AWS SDK rather
 * than lib-storage's Upload. Each write is copied once into a pooled part buffer; a full part goes out
 * as UploadPart while the next one fills, at most `queueSize` in flight. lib-storage, fed through a
 * PassThrough, gathered every part into a fresh Buffer.concat: at 8 recordings that churn of new memory
 * started a V8 mark-compact every 1.5 s and was a large share of the recorder's CPU
 * (docs/recording.md, Performance).
 *
 * Nothing is visible before CompleteMultipartUpload. An object that ends smaller than one part is one
 * PutObject and never starts a multipart upload. On a failure or abort the in-flight requests are
 * cancelled and the multipart upload is aborted (if the server is down that fails too, and the
 * bucket's lifecycle rule reclaims it: s3-store.ts ensureBucket).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { KadrError } from '../core/errors.js';
import type { ObjectInfo, ObjectWriter } from './object-store.js';
import type { PartBufferPool } from './part-buffers.js';

export interface S3WriterContext {
  client: S3Client;
  bucket: string;
  key: string;
  contentType?: string;
  pool: PartBufferPool;
  queueSize: number;
  ensureBucket(): Promise<void>;
  head(key: string): Promise<ObjectInfo | null>;
  /** An SDK error as the KadrError callers see (storage unavailable, denied...). */
  fail(e: unknown, what: string): unknown;
}

interface SealedPart {
  number: number;
  buffer: Buffer;
  length: number;
}

export class S3ObjectWriter implements ObjectWriter {
  private part: Buffer | null = null;
  private filled = 0;
  private sealedParts = 0;
  private readonly queued: SealedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly stored: { PartNumber: number; ETag: string }[] = [];
  private uploadId: Promise<string> | null = null;
  private readonly cancel = new AbortController();
  private failure: Error | null = null;
  private finished = false;
  private cleaning: Promise<void> | null = null;
  backlogBytes = 0;
  /** Bytes taken by write: the object's size once it is stored. */
  private written = 0;

  constructor(private readonly c: S3WriterContext) {}

  get error(): Error | null {
    return this.failure;
  }

  write(bytes: Buffer): void {
    if (this.finished) throw new Error(`object writer for ${this.c.key} is finished`);
    if (this.failure) return;
    const size = this.c.pool.size;
    for (let at = 0; at < bytes.length;) {
      this.part ??= this.c.pool.take();
      const n = bytes.copy(this.part, this.filled, at, Math.min(bytes.length, at + size - this.filled));
      at += n;
      this.filled += n;
      this.written += n;
      this.backlogBytes += n;
      if (this.filled === size) this.seal();
    }
  }

  async end(): Promise<ObjectInfo> {
    if (this.finished) throw new Error(`object writer for ${this.c.key} is finished`);
    this.finished = true;
    let etag: string | undefined;
    try {
      if (this.sealedParts === 0 && !this.failure) etag = await this.putWhole();
      else {
        if (this.filled > 0) this.seal(); // the last part may be shorter than the others
        await this.settled();
        if (this.failure) throw this.failure;
        const UploadId = await this.uploadId!;
        await this.send((abortSignal) =>
          this.c.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: this.c.bucket,
              Key: this.c.key,
              UploadId,
              MultipartUpload: { Parts: [...this.stored].sort((a, b) => a.PartNumber - b.PartNumber) },
            }),
            { abortSignal },
          ),
        );
      }
    } catch (e) {
      this.failure ??= e as Error;
      await this.cleanUp();
      throw this.failure;
    }
    // A PutObject's ETag is the object's; a multipart completion's is not trusted (RGW returns an
    // empty one): ask the server.
    if (etag) return { key: this.c.key, size: this.written, etag };
    const info = await this.c.head(this.c.key);
    if (!info) throw new KadrError('KADR_ERR_INTERNAL', `object ${this.c.key} missing right after upload`);
    return info;
  }

  async abort(reason: Error): Promise<void> {
    this.failure ??= reason;
    this.finished = true;
    await this.cleanUp();
  }

  /** The object is smaller than one part: one PutObject, no multipart upload to clean up after. */
  private async putWhole(): Promise<string | undefined> {
    const body = this.part ? this.part.subarray(0, this.filled) : Buffer.alloc(0);
    try {
      await this.c.ensureBucket();
      const out = await this.send((abortSignal) =>
        this.c.client.send(
          new PutObjectCommand({
            Bucket: this.c.bucket,
            Key: this.c.key,
            Body: body,
            ContentLength: body.length,
            ContentType: this.c.contentType,
          }),
          { abortSignal },
        ),
      );
      return out.ETag;
    } finally {
      this.releasePart();
    }
  }

  private seal(): void {
    this.queued.push({ number: ++this.sealedParts, buffer: this.part!, length: this.filled });
    this.part = null;
    this.filled = 0;
    this.pump();
  }

  private pump(): void {
    while (!this.failure && this.inflight.size < this.c.queueSize && this.queued.length > 0) {
      const part = this.queued.shift()!;
      const task: Promise<void> = this.upload(part)
        .catch((e: unknown) => {
          this.failure ??= e as Error;
          this.cancel.abort(); // the other parts in flight are of no use now
        })
        .finally(() => {
          this.inflight.delete(task);
          this.c.pool.give(part.buffer);
          this.backlogBytes -= part.length;
          this.pump();
        });
      this.inflight.add(task);
    }
  }

  private async upload(part: SealedPart): Promise<void> {
    this.uploadId ??= this.create();
    const UploadId = await this.uploadId;
    const out = await this.send((abortSignal) =>
      this.c.client.send(
        new UploadPartCommand({
          Bucket: this.c.bucket,
          Key: this.c.key,
          UploadId,
          PartNumber: part.number,
          Body: part.buffer.subarray(0, part.length),
          ContentLength: part.length,
        }),
        { abortSignal },
      ),
    );
    this.stored.push({ PartNumber: part.number, ETag: out.ETag ?? '' });
  }

  private async create(): Promise<string> {
    await this.c.ensureBucket();
    const out = await this.send((abortSignal) =>
      this.c.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.c.bucket,
          Key: this.c.key,
          ContentType: this.c.contentType,
        }),
        { abortSignal },
      ),
    );
    if (!out.UploadId) throw new KadrError('KADR_ERR_INTERNAL', 'S3 CreateMultipartUpload gave no UploadId');
    return out.UploadId;
  }

  /** Waits until no part is queued or in flight (every task settles; failures are in `failure`). */
  private async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** Cancels what is in flight and aborts the multipart upload, once however often it is called. */
  private cleanUp(): Promise<void> {
    this.cleaning ??= this.cleanUpOnce();
    return this.cleaning;
  }

  private async cleanUpOnce(): Promise<void> {
    this.cancel.abort();
    for (const part of this.queued.splice(0)) {
      this.c.pool.give(part.buffer);
      this.backlogBytes -= part.length;
    }
    await this.settled();
    this.releasePart();
    const uploadId = await this.uploadId?.catch(() => null);
    if (!uploadId) return;
    // Without the cancelled signal: this request must go out.
    await this.c.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.c.bucket, Key: this.c.key, UploadId: uploadId }))
      .catch(() => {}); // server down: its lifecycle rule reclaims the parts
  }

  private releasePart(): void {
    if (this.part) this.c.pool.give(this.part);
    this.backlogBytes -= this.filled;
    this.part = null;
    this.filled = 0;
  }

  /** One SDK request, cancelled with the writer; errors become KadrErrors (or the failure that cancelled it). */
  private async send<T>(request: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await request(this.cancel.signal);
    } catch (e) {
      if (this.cancel.signal.aborted && this.failure) throw this.failure;
      throw this.c.fail(e, `uploading ${this.c.key}`);
    }
  }
}
