/**
 * Objects in any S3-compatible server through the AWS SDK v3. Chosen for this job (docs/storage.md):
 * lib-storage's Upload streams a body of unknown
 * length as a multipart upload and aborts it cleanly when the source fails; checksums only "when
 * required" because RGW and older MinIO reject the aws-chunked bodies the SDK sends by default.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { KadrError } from '../core/errors.js';
import { abortSourceOn } from './abort.js';
import { validateKey, validatePrefix } from './keys.js';
import type { ObjectInfo, ObjectStore, ObjectWriter, PutOptions } from './object-store.js';
import { PartBufferPool } from './part-buffers.js';
import { checkRange } from './range.js';
import { S3ObjectWriter } from './s3-writer.js';
import { isNotFound, isTransient, statusOf, toKadrError } from './s3-errors.js';

export interface S3StoreOptions {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string; // default us-east-1
  forcePathStyle?: boolean; // default true: MinIO and RGW are addressed by path
  /** TCP connect timeout; a dead endpoint fails after this (default 5000 ms). */
  connectTimeoutMs?: number;
  /** SDK attempts per request, including the first (default 3). */
  maxAttempts?: number;
  /** Multipart part size (default and minimum 5 MiB) and parts in flight (default 2): a streamed
   *  put buffers at most partSize * queueSize bytes. */
  partSize?: number;
  queueSize?: number;
  /** Whole-put retries for Buffer bodies on transient failures (server down, 5xx), with doubling
   *  back-off: default 5 attempts, 250 ms first delay, 8 s cap (about 4 s of outage covered). */
  putRetry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Keys per ListObjectsV2 page (default: the server's, 1000). */
  listPageSize?: number;
}

/** The knobs a caller may turn without touching the connection settings (which come from env). */
export type S3Tuning = Pick<
  S3StoreOptions,
  'connectTimeoutMs' | 'maxAttempts' | 'partSize' | 'queueSize' | 'putRetry'
>;

const MiB = 1024 * 1024;

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  readonly endpoint: string;
  readonly client: S3Client;
  private readonly options: S3StoreOptions;
  private bucketReady: Promise<void> | undefined;
  private readonly parts: PartBufferPool;

  constructor(options: S3StoreOptions) {
    this.options = options;
    this.bucket = options.bucket;
    this.endpoint = options.endpoint;
    this.parts = new PartBufferPool(Math.max(5 * MiB, options.partSize ?? 5 * MiB));
    // The SDK warns on Node 20 that releases after January 2027 need Node 22; our versions are
    // pinned (package.json), so the warning would only clutter every CLI run's stderr. The SDK reads
    // this variable itself; kadr sets it and never reads it.
    // eslint-disable-next-line no-restricted-properties
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5000 },
    });
  }

  private fail(e: unknown, what: string): unknown {
    return toKadrError(e, this.endpoint, what);
  }

  /** Creates the bucket when it does not exist yet. Called before the first put; safe to call often. */
  ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return;
      } catch (e) {
        if (!isNotFound(e)) throw this.fail(e, `checking bucket ${this.bucket}`);
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (e) {
        const name = (e as { name?: string }).name;
        // another process created it in between
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
          throw this.fail(e, `creating bucket ${this.bucket}`);
        }
        return;
      }
      // An upload cut off by the server going away cannot abort its multipart upload; in a bucket
      // kadr created, let the server reclaim such leftovers after a day. Best effort: a server
      // without lifecycle support still stores objects.
      await this.client
        .send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: this.bucket,
            LifecycleConfiguration: {
              Rules: [
                {
                  ID: 'kadr-abort-incomplete-uploads',
                  Status: 'Enabled',
                  Filter: { Prefix: '' },
                  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
                },
              ],
            },
          }),
        )
        .catch(() => {});
    })().catch((e: unknown) => {
      this.bucketReady = undefined; // try again next time (the server may come back)
      throw e;
    });
    return this.bucketReady;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    validateKey(key);
    if (!Buffer.isBuffer(body)) return this.putOnce(key, body, options);
    // A Buffer can be sent again: ride out a short outage here instead of in every caller.
    const retry = this.options.putRetry ?? { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.putOnce(key, body, options);
      } catch (e) {
        if (attempt >= retry.attempts || !isTransient((e as { cause?: unknown }).cause ?? e)) throw e;
        const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay, undefined, { signal: options.signal });
      }
    }
  }

  private async putOnce(key: string, body: Readable | Buffer, options: PutOptions): Promise<ObjectInfo> {
    options.signal?.throwIfAborted();
    await this.ensureBucket();
    if (Buffer.isBuffer(body) && body.length < this.parts.size) return this.putSmall(key, body, options);
    // Always a stream, so that an abort can go through the source: Upload.abort() would reject
    // done() at once while the AbortMultipartUpload is still to be sent in the background, and a
    // caller could see "aborted" with the incomplete upload still there. A destroyed source makes
    // Upload abort the multipart upload first and reject after.
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const unbind = abortSourceOn(options.signal, source);
    // Errors of the caller's source stream are the caller's, not the storage's: keep them apart.
    let sourceError: unknown;
    const onSourceError = (e: unknown) => (sourceError ??= e);
    source.once('error', onSourceError);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: source, ContentType: options.contentType },
      partSize: Math.max(5 * MiB, this.options.partSize ?? 5 * MiB),
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false, // abort the multipart upload on any failure
    });
    try {
      await upload.done();
    } catch (e) {
      if (!source.destroyed) source.destroy(); // a failed put consumes its source either way, like the fs store
      if (options.signal?.aborted) throw options.signal.reason;
      if (sourceError !== undefined) throw sourceError;
      throw this.fail(e, `uploading ${key}`);
    } finally {
      unbind();
      source.off('error', onSourceError);
    }
    // The completion's ETag is not trusted (RGW returns an empty one): ask the server.
    const info = await this.head(key);
    if (!info)
      throw new KadrError('KADR_ERR_INTERNAL', `object ${this.describe(key)} missing right after upload`);
    return info;
  }

  /**
   * A Buffer smaller than one part: one PutObject, as Upload would send, without its stream
   * machinery (a recorder puts a small index with every segment). The object's ETag comes in the
   * reply; a server that leaves it out is asked with a HEAD.
   */
  private async putSmall(key: string, body: Buffer, options: PutOptions): Promise<ObjectInfo> {
    let out;
    try {
      out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: options.contentType,
        }),
        { abortSignal: options.signal },
      );
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw this.fail(e, `uploading ${key}`);
    }
    if (out.ETag) return { key, size: body.length, etag: out.ETag };
    const info = await this.head(key);
    if (!info)
      throw new KadrError('KADR_ERR_INTERNAL', `object ${this.describe(key)} missing right after upload`);
    return info;
  }

  openWriter(key: string, options: { contentType?: string } = {}): ObjectWriter {
    validateKey(key);
    return new S3ObjectWriter({
      client: this.client,
      bucket: this.bucket,
      key,
      contentType: options.contentType,
      pool: this.parts,
      queueSize: this.options.queueSize ?? 2,
      ensureBucket: () => this.ensureBucket(),
      head: (k) => this.head(k),
      fail: (e, what) => this.fail(e, what),
    });
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    validateKey(key);
    if (range) checkRange(key, range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(out.Body instanceof Readable))
        throw new KadrError('KADR_ERR_INTERNAL', 'S3 GetObject body is not a Node stream');
      return out.Body;
    } catch (e) {
      if (isNotFound(e)) throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no object ${this.describe(key)}`);
      if ((e as { name?: string }).name === 'InvalidRange' || statusOf(e) === 416) {
        throw new KadrError(
          'KADR_ERR_VALIDATION',
          `byte range starts at ${range?.start}, past the end of ${this.describe(key)}`,
        );
      }
      throw this.fail(e, `reading ${key}`);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    validateKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified, etag: out.ETag };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.fail(e, `reading the metadata of ${key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validatePrefix(prefix);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token,
            MaxKeys: this.options.listPageSize,
          }),
        );
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchBucket') return; // nothing stored yet
        throw this.fail(e, `listing ${prefix || '(all)'}`);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.fail(e, `deleting ${key}`);
    }
  }

  async readLocation(key: string, expiresInS = 3600): Promise<string> {
    // A HEAD first: a clear "no such object" here beats an HTTP 404 deep inside FFmpeg.
    if (!(await this.head(key)))
      throw new KadrError('KADR_ERR_STORAGE_NOT_FOUND', `no object ${this.describe(key)}`);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInS,
    });
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${validateKey(key)}`;
  }

  /** Closes the client's sockets (tests, short CLI runs). */
  destroy(): void {
    this.client.destroy();
  }
}
