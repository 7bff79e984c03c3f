import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { remuxVideo, writeSyntheticVideo } from '../../media/index.js';
import { compareAt, probeVideo, sameMoment } from '../../timeline/index.js';
import { type Command, flag, stringOption } from '../command.js';
import { toJson } from '../output.js';
import { createProgress } from '../progress.js';

export const demoCommand: Command = {
  name: 'demo',
  usage: `usage: kadr demo [--out-dir kadr-demo] [--at 2500] [--json]

Generates two short videos with variable frame rates (about 24 and 37 fps on average, irregular
intervals, B-frames) whose frames show their own number and PTS, remuxes the first into Matroska as a
"recording", then runs same-moment on the two cameras and compare on original vs recording.`,
  options: { 'out-dir': { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const dir = path.resolve(stringOption(args, 'out-dir') ?? 'kadr-demo');
    const at = stringOption(args, 'at') ?? '2500';
    mkdirSync(dir, { recursive: true });
    const camA = path.join(dir, 'camera-a.mp4');
    const camB = path.join(dir, 'camera-b.mp4');
    const recording = path.join(dir, 'camera-a-recording.mkv');
    const base = { width: 640, height: 360, gop: 48, bframes: 2, seed: 1, hue: 0 };
    const specA = {
      ...base,
      frames: 160,
      timescale: 90_000,
      startTicks: 0,
      minTicks: 1500,
      spreadTicks: 4500,
      seed: 11,
      hue: 20,
    };
    const specB = {
      ...base,
      frames: 240,
      timescale: 1000,
      startTicks: 0,
      minTicks: 17,
      spreadTicks: 20,
      seed: 23,
      hue: -20,
    };
    const progress = createProgress('generating demo videos', io.err);
    const total = specA.frames + specB.frames;
    await writeSyntheticVideo(camA, specA, (n) => progress.update(n, total));
    await writeSyntheticVideo(camB, specB, (n) => progress.update(specA.frames + n, total));
    await remuxVideo(camA, recording);
    progress.done();
    const moment = await sameMoment(camA, camB, at, path.join(dir, 'same-moment'));
    const compareImage = path.join(dir, `compare-t${at}.png`);
    const cmp = await compareAt(camA, recording, at, { out: compareImage });
    const [pa, pb] = [await probeVideo(camA), await probeVideo(camB)];
    if (flag(args, 'json')) {
      io.out.write(
        `${toJson({ dir, videos: { a: camA, b: camB, recording }, probe: { a: pa, b: pb }, sameMoment: moment, compare: cmp })}\n`,
      );
      return;
    }
    const rate = (p: typeof pa) =>
      `${p.frames} frames, ${p.fps.min}-${p.fps.max} fps (avg ${p.fps.avg}), ${p.variableFrameRate ? 'VFR' : 'CFR'}`;
    io.out.write(
      [
        `kadr demo in ${dir}`,
        `  camera a: ${camA} (${rate(pa)})`,
        `  camera b: ${camB} (${rate(pb)})`,
        `  recording of a (remuxed, not re-encoded): ${recording}`,
        '',
        `same moment at ${at} ms:`,
        ...moment.logLines.map((l) => `  ${l}`),
        `  snapshots:    ${moment.a.snapshot}`,
        `                ${moment.b.snapshot}`,
        `  side by side: ${moment.sideBySide}`,
        `  log:          ${moment.log}`,
        '',
        `compare original vs recording at ${at} ms: frame ${cmp.original.index} vs frame ${cmp.recording.index}, ${cmp.identical ? 'identical pictures' : `PSNR ${cmp.psnr} dB`}`,
        `  image:        ${compareImage}`,
      ].join('\n') + '\n',
    );
  },
};
