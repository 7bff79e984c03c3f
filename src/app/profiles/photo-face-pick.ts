/**
 * Which face of a photo makes the profile: the only one of at least 24 px, or the one the caller picks
 * (0 is the largest). The refusals say what the photo shows (docs/profiles.md, "From a photo").
 */
import type { FaceDetection } from '../../analytics/index.js';
import { KadrError } from '../../core/errors.js';

export function pickFace(
  faces: FaceDetection[],
  tooSmall: number,
  index: number | undefined,
  picture: { width: number; height: number },
): FaceDetection {
  const sizes = faces.map((f) => `${Math.round(Math.max(f.width, f.height))} px`).join(', ');
  if (faces.length === 0) {
    throw new KadrError(
      'KADR_ERR_INPUT_NO_FACE',
      tooSmall > 0
        ? `the photo (${picture.width}x${picture.height}) shows ${tooSmall} face(s), all smaller than 24 px`
        : `no face found in the photo (${picture.width}x${picture.height})`,
      { hint: 'send a sharp photo where the face is turned to the camera and at least 24 px tall' },
    );
  }
  if (index !== undefined) {
    const face = faces[index];
    if (!face) {
      throw new KadrError(
        'KADR_ERR_VALIDATION',
        `face ${index} does not exist: the photo shows ${faces.length} face(s) (${sizes})`,
        { hint: `face counts from 0, the largest face, to ${faces.length - 1}` },
      );
    }
    return face;
  }
  if (faces.length > 1) {
    throw new KadrError(
      'KADR_ERR_INPUT_MANY_FACES',
      `the photo shows ${faces.length} faces (${sizes}, largest first); say which one`,
      { hint: `add ?face=<index>: 0 is the largest face, ${faces.length - 1} the smallest` },
    );
  }
  return faces[0]!;
}
