/** Small HTTP helpers over real fetch: upload with FormData, read videos, wait for a condition. */
export interface VideoJson {
  id: string;
  filename: string;
  status: 'queued' | 'processing' | 'paused' | 'done' | 'failed' | 'cancelled';
  progress: number;
  stage: 'faces' | 'people' | null;
  stageProgress: number;
  totalFrames: number | null;
  framesProcessed: number;
  facesSoFar: number;
  framesWithFaces: number;
  facesPerSecond: number[] | null;
  error: string | null;
  errorCode: string | null;
}

export async function upload(base: string, files: { name: string; data: Buffer; type?: string }[]) {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([f.data], { type: f.type ?? 'video/mp4' }), f.name);
  const res = await fetch(`${base}/api/videos`, { method: 'POST', body: form });
  return {
    status: res.status,
    body: (await res.json()) as { items: VideoJson[] } & { error?: { message: string } },
  };
}

export async function getVideo(base: string, id: string): Promise<VideoJson> {
  const res = await fetch(`${base}/api/videos/${id}`);
  if (res.status !== 200) throw new Error(`GET video ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as VideoJson;
}

export async function post(base: string, path: string): Promise<{ status: number; body: VideoJson }> {
  const res = await fetch(`${base}${path}`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as VideoJson };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `until` holds; returns every value seen (for "progress rises" checks). */
export async function pollUntil<T>(
  read: () => Promise<T>,
  until: (v: T) => boolean,
  what: string,
  { timeoutMs = 120_000, everyMs = 50 } = {},
): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    seen.push(v);
    if (until(v)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(everyMs);
  }
}
