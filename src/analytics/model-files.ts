/**
 * Model files ship in the repository under models/ (with their licences, models/README.md). They are
 * found from this file's own location, so the same code works from src/ (tsx) and dist/ (compiled),
 * whatever the working directory.
 */
import { fileURLToPath } from 'node:url';

const MODELS_DIR = new URL('../../models/', import.meta.url);

export function modelPath(fileName: string): string {
  return fileURLToPath(new URL(fileName, MODELS_DIR));
}

/** YuNet 2023mar weights with a dynamic N×3×H×W input (models/README.md says why not the fixed 640×640 file). */
export const FACE_DETECTOR_MODEL = 'face_detection_yunet_s_dynamic.onnx';

/** dlib ResNet-29 face embedding (128-d) converted from face-api.js; aligned 150×150 RGB chips in. */
export const FACE_EMBEDDER_MODEL = 'face_recognition_dlib_resnet29_faceapi.onnx';

/** YOLOX-nano, 80 COCO classes, fixed 416×416 input (models/README.md). */
export const OBJECT_DETECTOR_MODEL = 'object_detection_yolox_nano_416.onnx';
