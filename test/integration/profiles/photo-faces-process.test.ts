/**
 * PhotoFaceProcess (src/app/profiles/photo-faces.runner.ts) on its own: a real photo's face comes back
 * from the child process with the embedding and the crop, the refusals keep their code and hint, and a
 * photo not answered within the time is refused with KADR_ERR_ANALYSIS_BUSY (here 1 ms, less than any
 * photo takes) without stopping the next one.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { PhotoFaceProcess } from '../../../src/app/profiles/index.js';
import { isKadrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FACES_DIR } from './photo-faces.js';

test('faces out of process: the answer, the refusals with their codes, the timeout', async () => {
  const photo = await readFile(path.join(FACES_DIR, 'person-c_1.jpg'));
  const quick = new PhotoFaceProcess(silentLogger, 1);
  await assert.rejects(quick.faceOf(photo), (e) => isKadrError(e, 'KADR_ERR_ANALYSIS_BUSY'));
  await quick.close();

  const faces = new PhotoFaceProcess(silentLogger);
  try {
    const face = await faces.faceOf(photo);
    assert.equal(face.embedding.length, 128);
    assert.deepEqual([...face.crop.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(face.size > 100, `face size ${face.size}`);
    const noFace = await readFile(path.join(FACES_DIR, 'no-face_vtest.jpg'));
    await assert.rejects(
      faces.faceOf(noFace),
      (e) => isKadrError(e, 'KADR_ERR_INPUT_NO_FACE') && /24 px/.test(e.hint ?? ''),
    );
    await assert.rejects(faces.faceOf(Buffer.from('no picture')), (e) =>
      isKadrError(e, 'KADR_ERR_INPUT_NOT_MEDIA'),
    );
  } finally {
    await faces.close();
  }
});
