#!/usr/bin/python3
"""OpenCV side of bench/live-analytics.ts: the pile of scripts a user would write for person detection on a
camera. `ffmpeg` decodes the camera's RTSP and writes raw BGR frames, already at the analysed rate and the
detection size (`-vf fps=5,scale=W:H -pix_fmt bgr24 -f rawvideo`), into this script's stdin; each frame goes
through the same YOLOX-nano ONNX file as kadr (models/object_detection_yolox_nano_416.onnx) with cv2.dnn
(Debian's python3-opencv), on one thread as kadr's onnxruntime session per model.

Pre- and post-processing are YOLOX's own, as kadr's src/analytics/object-detector.ts and yolox-decode.ts:
the picture top-left in a 416x416 input filled with 114, NCHW float BGR 0..255; rows
[dx, dy, log w, log h, objectness, 80 class probabilities] over strides 8, 16, 32; score = objectness x best
class probability >= 0.55; NMS 0.45 per class.

usage: live_analytics_opencv.py MODEL.onnx WIDTH HEIGHT [--check]
  stdin: raw bgr24 frames of WIDTH x HEIGHT (at most 416 on the longer side)
  default: one JSON line on stdout every 5 s: {"frames", "persons", "cpuS"} (totals so far)
  --check: one JSON line per frame: {"frame", "detections": [[classId, score, x, y, w, h], ...]}
"""
import json
import sys
import time

import cv2
import numpy as np

model, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
check = "--check" in sys.argv[4:]
SIZE, SCORE, NMS = 416, 0.55, 0.45
cv2.setNumThreads(1)
net = cv2.dnn.readNetFromONNX(model)

grids, strides = [], []
for s in (8, 16, 32):
    n = SIZE // s
    gy, gx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    grids.append(np.stack((gx, gy), 2).reshape(-1, 2))
    strides.append(np.full((n * n, 1), s))
grids = np.concatenate(grids).astype(np.float32)
strides = np.concatenate(strides).astype(np.float32)


def detect(frame):
    padded = np.full((SIZE, SIZE, 3), 114, np.uint8)
    padded[:height, :width] = frame
    net.setInput(cv2.dnn.blobFromImage(padded))  # scale 1, no mean, BGR kept: NCHW float32
    out = net.forward()[0]
    objectness = out[:, 4]
    keep = objectness >= SCORE
    out, g, st = out[keep], grids[keep], strides[keep]
    cls = out[:, 5:].argmax(1)
    score = out[:, 4] * out[np.arange(len(out)), 5 + cls]
    ok = score >= SCORE
    out, g, st, cls, score = out[ok], g[ok], st[ok], cls[ok], score[ok]
    cxy = (out[:, :2] + g) * st
    wh = np.exp(out[:, 2:4]) * st
    x1y1 = np.clip(cxy - wh / 2, 0, [width, height])
    x2y2 = np.clip(cxy + wh / 2, 0, [width, height])
    found = []
    for c in np.unique(cls):
        idx = np.nonzero(cls == c)[0]
        boxes = [[float(x1y1[i, 0]), float(x1y1[i, 1]), float(x2y2[i, 0] - x1y1[i, 0]), float(x2y2[i, 1] - x1y1[i, 1])] for i in idx]
        for k in np.array(cv2.dnn.NMSBoxes(boxes, score[idx].tolist(), SCORE, NMS)).reshape(-1):
            found.append([int(c), float(score[idx[k]])] + boxes[k])
    return found


frame_bytes = width * height * 3
stdin = sys.stdin.buffer
frames = persons = 0
last = time.monotonic()
while True:
    data = stdin.read(frame_bytes)
    if len(data) < frame_bytes:
        break
    found = detect(np.frombuffer(data, np.uint8).reshape(height, width, 3))
    if check:
        print(json.dumps({"frame": frames, "detections": found}), flush=True)
    frames += 1
    persons += sum(1 for d in found if d[0] == 0)
    if not check and time.monotonic() - last >= 5:
        last = time.monotonic()
        print(json.dumps({"frames": frames, "persons": persons, "cpuS": time.process_time()}), flush=True)
if not check:
    print(json.dumps({"frames": frames, "persons": persons, "cpuS": time.process_time()}), flush=True)
