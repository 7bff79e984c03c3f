import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { COCO_CLASSES, PERSON_CLASS } from './coco-classes.js';
import { modelPath } from './model-files.js';

test('the class list is the one shipped beside the model, in its order', async () => {
  const shipped = (await readFile(modelPath('object_detection_yolox_nano_416.coco_classes.txt'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  assert.deepEqual([...COCO_CLASSES], shipped);
  assert.equal(COCO_CLASSES[PERSON_CLASS], 'person');
});
