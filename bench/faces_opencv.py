#!/usr/bin/python3
"""OpenCV side of bench/faces.ts: the same YuNet network, decode included, on one core.

Debian's python3-opencv 4.6: FaceDetectorYN there predates the 2023 model, so the network runs through
cv2.dnn. cv2.dnn 4.6 cannot load the dynamic-shape ONNX file (its Shape nodes need static shapes), so the
input dimensions of kadr's models/face_detection_yunet_s_dynamic.onnx are pinned to the padded frame size
in memory (python3-onnx); weights and graph are otherwise the file kadr runs. Pre- and post-processing are
what FaceDetectorYN does: BGR frame top-left in a zero-padded input, sqrt(cls*obj), NMS 0.3.

usage: faces_opencv.py VIDEO MODEL.onnx [score_threshold]   -> one JSON line on stdout
"""
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "threads;1")  # decoder on one thread, like kadr
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402

video, model = sys.argv[1], sys.argv[2]
threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9
cv2.setNumThreads(1)

t0 = time.perf_counter()
c0 = time.process_time()
cap = cv2.VideoCapture(video, cv2.CAP_FFMPEG)
w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
scale = min(1.0, 640.0 / max(w, h))
sw, sh = (w, h) if scale == 1.0 else (round(w * scale / 2) * 2, round(h * scale / 2) * 2)
iw, ih = math.ceil(sw / 32) * 32, math.ceil(sh / 32) * 32

m = onnx.load(model)
for dim, v in zip(m.graph.input[0].type.tensor_type.shape.dim, [1, 3, ih, iw]):
    dim.ClearField("dim_param")
    dim.dim_value = v
net = cv2.dnn.readNetFromONNX(m.SerializeToString())
names = ["cls_8", "cls_16", "cls_32", "obj_8", "obj_16", "obj_32", "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32"]


def decode(outs):
    boxes, scores = [], []
    for k, s in enumerate((8, 16, 32)):
        cls, obj, bbox = outs[k].reshape(-1), outs[3 + k].reshape(-1), outs[6 + k].reshape(-1, 4)
        score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
        idx = np.nonzero(score >= threshold)[0]
        cols = iw // s
        for i in idx:
            r, c = divmod(int(i), cols)
            cx, cy = (c + bbox[i, 0]) * s, (r + bbox[i, 1]) * s
            bw, bh = math.exp(bbox[i, 2]) * s, math.exp(bbox[i, 3]) * s
            boxes.append([cx - bw / 2, cy - bh / 2, bw, bh])
            scores.append(float(score[i]))
    if not boxes:
        return 0
    return len(cv2.dnn.NMSBoxes(boxes, scores, threshold, 0.3, top_k=5000))


padded = np.zeros((ih, iw, 3), np.uint8)
frames = faces = 0
while True:
    ok, frame = cap.read()
    if not ok:
        break
    if (sw, sh) != (w, h):
        frame = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_LINEAR)
    padded[:sh, :sw] = frame
    net.setInput(cv2.dnn.blobFromImage(padded))
    faces += decode(net.forward(names))
    frames += 1

print(json.dumps({
    "frames": frames,
    "faces": faces,
    "wallMs": (time.perf_counter() - t0) * 1000,
    "cpuMs": (time.process_time() - c0) * 1000,
    "input": f"{iw}x{ih}",
}))
