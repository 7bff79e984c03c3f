/**
 * The `videos` table. Status changes are single conditional UPDATEs, so that two processes can
 * never both move a video (two workers claiming it, a pause racing a finish): the one whose
 * WHERE still matches wins, the other gets null back.
 */
import type pg from 'pg';

export type VideoStatus = 'queued' | 'processing' | 'paused' | 'done' | 'failed' | 'cancelled';
/** The pass of the analysis: face counts, then (uploads with autoProfiles) people profiles. */
export type VideoStage = 'faces' | 'people';
/** What a video is analysed for (the upload's `analytics`). */
export type VideoAnalyticKind = 'faces' | 'objects';
/** Per COCO class: the most seen in one frame and the frames it was seen in. */
export type ObjectCounts = Record<string, { max: number; frames: number }>;

export interface VideoRow {
  id: string;
  filename: string;
  contentType: string | null;
  sizeBytes: number;
  objectKey: string;
  status: VideoStatus;
  progress: number;
  stage: VideoStage | null;
  stageProgress: number;
  totalFrames: number | null;
  framesProcessed: number;
  facesSoFar: number;
  framesWithFaces: number;
  facesPerSecond: number[] | null;
  analytics: VideoAnalyticKind[];
  /** Object analysis only: the most people in one frame so far. */
  personsMax: number | null;
  objectCounts: ObjectCounts | null;
  resumeState: unknown;
  error: string | null;
  errorCode: string | null;
  attempts: number;
  claimToken: string | null;
  claimedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What a worker reports while it runs: the visible counters plus the opaque resume state. */
export interface VideoProgress {
  /** Over the whole analysis, 0-100; 100 only once done. */
  progress: number;
  stage: VideoStage;
  /** Of the current stage, 0-100. */
  stageProgress: number;
  totalFrames: number | null;
  framesProcessed: number;
  facesSoFar: number;
  framesWithFaces: number;
  /** Object analysis only (null or absent otherwise). */
  personsMax?: number | null;
  objectCounts?: ObjectCounts | null;
  resumeState: unknown;
}

export interface NewVideo {
  id: string;
  filename: string;
  contentType: string | null;
  sizeBytes: number;
  objectKey: string;
  /** Default: faces. */
  analytics?: VideoAnalyticKind[];
}

interface DbRow {
  id: string;
  filename: string;
  content_type: string | null;
  size_bytes: string;
  object_key: string;
  status: VideoStatus;
  progress: number;
  stage: VideoStage | null;
  stage_progress: number;
  total_frames: number | null;
  frames_processed: number;
  faces_so_far: number;
  frames_with_faces: number;
  faces_per_second: number[] | null;
  analytics: VideoAnalyticKind[];
  persons_max: number | null;
  object_counts: ObjectCounts | null;
  resume_state: unknown;
  error: string | null;
  error_code: string | null;
  attempts: number;
  claim_token: string | null;
  claimed_by: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toRow(r: DbRow): VideoRow {
  return {
    id: r.id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    objectKey: r.object_key,
    status: r.status,
    progress: r.progress,
    stage: r.stage,
    stageProgress: r.stage_progress,
    totalFrames: r.total_frames,
    framesProcessed: r.frames_processed,
    facesSoFar: r.faces_so_far,
    framesWithFaces: r.frames_with_faces,
    facesPerSecond: r.faces_per_second,
    analytics: r.analytics,
    personsMax: r.persons_max,
    objectCounts: r.object_counts,
    resumeState: r.resume_state,
    error: r.error,
    errorCode: r.error_code,
    attempts: r.attempts,
    claimToken: r.claim_token,
    claimedBy: r.claimed_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

const one = (res: pg.QueryResult<DbRow>): VideoRow | null => (res.rows[0] ? toRow(res.rows[0]) : null);

export class VideosRepository {
  constructor(private readonly pool: pg.Pool) {}

  async insert(v: NewVideo): Promise<VideoRow> {
    const res = await this.pool.query<DbRow>(
      `INSERT INTO videos (id, filename, content_type, size_bytes, object_key, status, analytics)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6) RETURNING *`,
      [v.id, v.filename, v.contentType, v.sizeBytes, v.objectKey, v.analytics ?? ['faces']],
    );
    return one(res)!;
  }

  /** Sets what queued videos are analysed for (an upload's `analytics` field sent after its files). */
  async setAnalytics(ids: readonly string[], analytics: readonly VideoAnalyticKind[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE videos SET analytics = $2, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
      [ids, analytics],
    );
  }

  async get(id: string): Promise<VideoRow | null> {
    return one(await this.pool.query<DbRow>('SELECT * FROM videos WHERE id = $1', [id]));
  }

  /** Newest first; asks for one row more than the page to know whether another page follows. */
  async list(page: { offset: number; limit: number; status?: VideoStatus | undefined }) {
    const res = await this.pool.query<DbRow>(
      `SELECT * FROM videos WHERE ($3::text IS NULL OR status = $3)
       ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT $2`,
      [page.offset, page.limit + 1, page.status ?? null],
    );
    const rows = res.rows.map(toRow);
    return { items: rows.slice(0, page.limit), hasNextPage: rows.length > page.limit };
  }

  /** Moves a queued video to processing for one worker; null when someone else has it or it moved on. */
  async claim(id: string, token: string, workerId: string): Promise<VideoRow | null> {
    return one(
      await this.pool.query<DbRow>(
        `UPDATE videos SET status = 'processing', claim_token = $2, claimed_by = $3, heartbeat_at = now(),
           attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now(),
           error = NULL, error_code = NULL
         WHERE id = $1 AND status = 'queued' RETURNING *`,
        [id, token, workerId],
      ),
    );
  }

  /**
   * Records progress and proves the worker alive; returns the status the row has now (a pause
   * or cancel from any process shows here), or null when this worker no longer holds the claim.
   */
  async heartbeat(id: string, token: string, p: VideoProgress | null): Promise<VideoStatus | null> {
    const res = p
      ? await this.pool.query<{ status: VideoStatus }>(
          `UPDATE videos SET heartbeat_at = now(), progress = $3, total_frames = $4, frames_processed = $5,
             faces_so_far = $6, frames_with_faces = $7, resume_state = $8, stage = $9, stage_progress = $10,
             persons_max = $11, object_counts = $12, updated_at = now()
           WHERE id = $1 AND claim_token = $2 RETURNING status`,
          [
            id,
            token,
            p.progress,
            p.totalFrames,
            p.framesProcessed,
            p.facesSoFar,
            p.framesWithFaces,
            JSON.stringify(p.resumeState),
            p.stage,
            p.stageProgress,
            p.personsMax ?? null,
            p.objectCounts ? JSON.stringify(p.objectCounts) : null,
          ],
        )
      : await this.pool.query<{ status: VideoStatus }>(
          `UPDATE videos SET heartbeat_at = now() WHERE id = $1 AND claim_token = $2 RETURNING status`,
          [id, token],
        );
    return res.rows[0]?.status ?? null;
  }

  async finishDone(id: string, token: string, p: VideoProgress, facesPerSecond: number[]): Promise<boolean> {
    const res = await this.pool.query(
      `UPDATE videos SET status = 'done', progress = 100, stage = NULL, stage_progress = 100, total_frames = $3, frames_processed = $4,
         faces_so_far = $5, frames_with_faces = $6, faces_per_second = $7, resume_state = NULL,
         persons_max = $8, object_counts = $9,
         claim_token = NULL, heartbeat_at = NULL, finished_at = now(), updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
      [
        id,
        token,
        p.totalFrames,
        p.framesProcessed,
        p.facesSoFar,
        p.framesWithFaces,
        JSON.stringify(facesPerSecond),
        p.personsMax ?? null,
        p.objectCounts ? JSON.stringify(p.objectCounts) : null,
      ],
    );
    return res.rowCount === 1;
  }

  async finishFailed(id: string, token: string, error: string, code: string): Promise<boolean> {
    const res = await this.pool.query(
      `UPDATE videos SET status = 'failed', error = $3, error_code = $4, claim_token = NULL,
         heartbeat_at = NULL, finished_at = now(), updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
      [id, token, error, code],
    );
    return res.rowCount === 1;
  }

  /**
   * The worker lets go of a video it stopped (pause, cancel, shutdown). A video still marked
   * processing (shutdown) goes back to queued so that the next worker resumes it.
   */
  async release(id: string, token: string): Promise<VideoStatus | null> {
    const res = await this.pool.query<{ status: VideoStatus }>(
      `UPDATE videos SET claim_token = NULL, claimed_by = NULL, heartbeat_at = NULL, updated_at = now(),
         status = CASE WHEN status = 'processing' THEN 'queued' ELSE status END
       WHERE id = $1 AND claim_token = $2 RETURNING status`,
      [id, token],
    );
    return res.rows[0]?.status ?? null;
  }

  /** Conditional status change for pause / resume / cancel; null when the video is not in `from`. */
  async transition(id: string, from: VideoStatus[], to: VideoStatus): Promise<VideoRow | null> {
    return one(
      await this.pool.query<DbRow>(
        `UPDATE videos SET status = $3, updated_at = now(),
           finished_at = CASE WHEN $3 = 'cancelled' THEN now() ELSE finished_at END
         WHERE id = $1 AND status = ANY($2::text[]) RETURNING *`,
        [id, from, to],
      ),
    );
  }

  /** Videos whose worker stopped proving it is alive go back to the queue (their saved state kept). */
  async requeueStale(staleAfterMs: number): Promise<string[]> {
    const res = await this.pool.query<{ id: string }>(
      `UPDATE videos SET status = 'queued', claim_token = NULL, claimed_by = NULL, heartbeat_at = NULL,
         updated_at = now()
       WHERE status = 'processing' AND heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)
       RETURNING id`,
      [staleAfterMs],
    );
    return res.rows.map((r) => r.id);
  }

  /** Queued videos, oldest first, to re-announce to the queue after a restart. */
  async listQueuedIds(): Promise<string[]> {
    const res = await this.pool.query<{ id: string }>(
      `SELECT id FROM videos WHERE status = 'queued' ORDER BY created_at`,
    );
    return res.rows.map((r) => r.id);
  }

  async delete(id: string): Promise<VideoRow | null> {
    return one(await this.pool.query<DbRow>('DELETE FROM videos WHERE id = $1 RETURNING *', [id]));
  }
}
