/**
 * POST /api/videos with XMLHttpRequest, the one browser API that reports upload progress
 * (fetch does not). One request per file, so that each file has its own progress and error.
 */
import { ApiError, authHeaders, type Video } from './client';

export function uploadVideo(
  file: File,
  autoProfiles: boolean,
  onProgress: (fraction: number) => void,
): Promise<Video> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/videos');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { items?: Video[]; error?: { code?: string; message?: string; hint?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // Not JSON: the status says enough.
      }
      if (xhr.status === 201 && body.items?.[0]) return resolve(body.items[0]);
      if (xhr.status === 401) window.dispatchEvent(new Event('kadr-unauthorized'));
      const e = body.error;
      reject(
        new ApiError(e?.message ?? `kadr answered ${xhr.status}`, xhr.status, e?.code ?? 'HTTP', e?.hint, {}),
      );
    };
    xhr.onerror = () =>
      reject(
        new ApiError(
          'the upload was cut off: check the connection to kadr, then drop the file again',
          0,
          'NETWORK',
          undefined,
          {},
        ),
      );
    const form = new FormData();
    // Before the file, so that it applies from the start (videos.schema.ts).
    form.append('autoProfiles', String(autoProfiles));
    form.append('files', file, file.name);
    xhr.send(form);
  });
}
