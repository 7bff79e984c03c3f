/**
 * A frame session of a camera's recording, from the browser: the server keeps a decoder warm for
 * it, so that the next and previous frame cost about one decode each. One request gives the JPEG and,
 * in its X-Kadr-* headers, which frame it is. A session closed by the server (a minute unused) is
 * opened again once, transparently.
 */
import { api, authHeaders, errorFrom } from '../api/client';

export interface ShownFrame {
  /** The frame's wallclock, ISO 8601 with ms, and ms since 1970 with its fraction. */
  frameTime: string;
  wallclockMs: number;
  segmentId: string;
  index: number;
  ptsTicks: string;
  timeBase: string;
  clock: string;
  /** Pictures the server decoded to answer (0: kept from an earlier step). */
  decoded: number;
  /** An object URL of the JPEG; revoke it when it is replaced. */
  src: string;
}

/** Where a frame request starts: the frame shown at a time, or a frame and a step from it. */
export type FrameRequest = { at: string } | { segmentId: string; index: number; step: number };

export class FrameSession {
  private id: Promise<string> | null = null;

  constructor(private readonly cameraId: string) {}

  private open(): Promise<string> {
    this.id ??= api<{ id: string }>('POST', `/api/cameras/${this.cameraId}/frame-sessions`).then(
      (s) => s.id,
      (e: unknown) => {
        this.id = null;
        throw e;
      },
    );
    return this.id;
  }

  async frame(request: FrameRequest): Promise<ShownFrame> {
    const query =
      'at' in request
        ? `at=${encodeURIComponent(request.at)}`
        : `segment=${request.segmentId}&index=${request.index}&step=${request.step}`;
    for (let attempt = 0; ; attempt++) {
      const id = await this.open();
      const res = await fetch(`/api/cameras/${this.cameraId}/frame-sessions/${id}/frame?${query}`, {
        headers: authHeaders(),
      });
      if (res.ok) {
        const h = (name: string) => res.headers.get(`x-kadr-${name}`) ?? '';
        return {
          frameTime: h('frame-time'),
          wallclockMs: Number(h('wallclock-ms')),
          segmentId: h('segment'),
          index: Number(h('frame-index')),
          ptsTicks: h('pts'),
          timeBase: h('time-base'),
          clock: h('clock'),
          decoded: Number(h('decoded')),
          src: URL.createObjectURL(await res.blob()),
        };
      }
      const error = await errorFrom(res);
      // The session was closed (unused for a while, or the server restarted): open another once.
      if (res.status === 404 && /frame session/.test(error.message) && attempt === 0) {
        this.id = null;
        continue;
      }
      throw error;
    }
  }

  /** Frees the server's decoder now rather than when the session times out. */
  close(): void {
    const id = this.id;
    this.id = null;
    void id
      ?.then((sid) =>
        fetch(`/api/cameras/${this.cameraId}/frame-sessions/${sid}`, {
          method: 'DELETE',
          headers: authHeaders(),
          keepalive: true,
        }),
      )
      .catch(() => undefined);
  }
}
