/**
 * Child process that reads the face of a photo for a profile (spawned by photo-faces.runner.ts): the
 * decode, YuNet, the alignment, the embedding and the crop's JPEG are CPU work of tens of milliseconds
 * per photo that would otherwise run on the HTTP server's event loop, and native code that crashes on a
 * crafted picture must end this process, not the server. The models load on the first photo and stay.
 * Photos are handled one at a time, in the order they come. IPC uses the 'advanced' serialisation, so
 * the photo, the embedding (Float32Array) and the crop (Buffer) cross as binary.
 *   parent → child: { type: 'photo', id, photo, face? }
 *   child → parent: { type: 'face', id, embedding, crop, size } | { type: 'error', id, code, message, hint? }
 */
import '../../core/polyfill.js';
import { PhotoFaceReader } from '../../analytics/index.js';
import { describeError, isKadrError } from '../../core/errors.js';
import { configureFfmpegLog, decodeStill } from '../../media/index.js';
import { pickFace } from './photo-face-pick.js';

interface PhotoRequest {
  type: 'photo';
  id: number;
  photo: Uint8Array;
  face?: number;
}

let reader: Promise<PhotoFaceReader> | undefined;

async function handle(msg: PhotoRequest): Promise<object> {
  try {
    const picture = decodeStill(Buffer.from(msg.photo.buffer, msg.photo.byteOffset, msg.photo.byteLength));
    reader ??= PhotoFaceReader.create().catch((error: unknown) => {
      reader = undefined; // the next photo tries again
      throw error;
    });
    const models = await reader;
    const { faces, tooSmall } = await models.find(picture);
    const face = pickFace(faces, tooSmall, msg.face, picture);
    const { embedding, crop } = await models.describe(picture, face);
    return { type: 'face', id: msg.id, embedding, crop, size: Math.round(Math.max(face.width, face.height)) };
  } catch (error) {
    return isKadrError(error)
      ? { type: 'error', id: msg.id, code: error.code, message: error.message, hint: error.hint }
      : { type: 'error', id: msg.id, code: 'KADR_ERR_INTERNAL', message: describeError(error) };
  }
}

configureFfmpegLog();
let chain = Promise.resolve();
process.on('message', (msg: PhotoRequest) => {
  if (msg.type !== 'photo') return;
  chain = chain.then(async () => {
    const reply = await handle(msg);
    await new Promise<void>((resolve) => {
      if (!process.connected) return resolve();
      process.send!(reply, undefined, {}, () => resolve());
    });
  });
});
// The server is gone: nobody reads our answers.
process.on('disconnect', () => process.exit(0));
