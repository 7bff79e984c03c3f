/**
 * Every `kadr` command, in the order `kadr --help` lists them. The implementations are loaded only
 * when their command runs: importing all of them (node-av, the AWS SDK, Fastify, pg-boss,
 * onnxruntime) costs about 0.4 s, which `kadr frame` would otherwise pay on every call.
 */
import type { CommandEntry } from '../command.js';

export const commands: CommandEntry[] = [
  {
    name: 'demo',
    summary: 'make two VFR videos with visible frame numbers and show same-moment and compare on them',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  {
    name: 'probe',
    summary: 'codec, size, frame count, duration, first PTS, variable frame rate, min/avg/max fps',
    load: async () => (await import('./probe.js')).probeCommand,
  },
  {
    name: 'frame',
    summary: 'the exact frame shown at a time: image, index, PTS, decode work',
    load: async () => (await import('./frame.js')).frameCommand,
  },
  {
    name: 'compare',
    summary: 'original vs recording at a time: side-by-side image, PSNR, identical or not',
    load: async () => (await import('./compare.js')).compareCommand,
  },
  {
    name: 'same-moment',
    summary: 'the same moment in two videos: frames skipped in each, snapshots, side by side',
    load: async () => (await import('./same-moment.js')).sameMomentCommand,
  },
  {
    name: 'align',
    summary: 'put videos of one scene in step: offsets (wallclock or content), trimmed copies, a mosaic',
    load: async () => (await import('./align.js')).alignCommand,
  },
  {
    name: 'index',
    summary: 'the per-frame table: index, PTS, time, keyframe, decode order, byte position',
    load: async () => (await import('./index-table.js')).indexCommand,
  },
  {
    name: 'serve',
    summary: 'run the HTTP API and the analysis workers',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  {
    name: 'camera',
    summary: 'manage the cameras of a running kadr serve: add, list, show, rm, record-start, record-stop',
    load: async () => (await import('./camera.js')).cameraCommand,
  },
  {
    name: 'profile',
    summary: 'people profiles of a running kadr serve: make one from a photo of a face',
    load: async () => (await import('./profile.js')).profileCommand,
  },
  {
    name: 'onvif',
    summary: 'ONVIF through a running kadr serve: discover devices, show one, add its stream as a camera',
    load: async () => (await import('./onvif.js')).onvifCommand,
  },
  {
    name: 'worker',
    summary: 'run analysis workers only (same DATABASE_URL and S3 as the API)',
    load: async () => (await import('./worker.js')).workerCommand,
  },
  {
    name: 'rtsp-serve',
    summary: 'serve video files over RTSP, each at rtsp://HOST:PORT/<name>',
    load: async () => (await import('./rtsp-serve.js')).rtspServeCommand,
  },
  {
    name: 'push',
    summary: 'send JPEG frames (test pattern, a folder, a V4L2 camera) to a kadr server as a recording',
    load: async () => (await import('./push.js')).pushCommand,
  },
  {
    name: 'record',
    summary: 'record an RTSP stream into fMP4 segments on disk or in S3, with a frame index per segment',
    load: async () => (await import('./record.js')).recordCommand,
  },
];
