/**
 * A video file as a stream source: each client gets its own reader, paced by the file's own
 * timestamps (FilePlayback). The description is made once and cached.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { KadrError } from '../core/errors.js';
import { RtpFileTrack } from '../media/rtp-file-track.js';
import type { RtpSink } from '../rtsp/handler.js';
import type { Logger } from '../core/logger.js';
import { FilePlayback } from './file-playback.js';
import type { SourceConsumer, SourceDescription, StreamSource } from './source.js';

export const FILE_TRACK = 'track0';

export interface FileSourceOptions {
  loop?: boolean;
  logger: Logger;
}

export class FileSource implements StreamSource {
  private description: Promise<SourceDescription> | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly options: FileSourceOptions,
  ) {}

  describe(): Promise<SourceDescription> {
    this.description ??= this.makeDescription();
    // A failed description is retried by the next DESCRIBE instead of being cached.
    this.description.catch(() => (this.description = undefined));
    return this.description;
  }

  private async makeDescription(): Promise<SourceDescription> {
    const track = await RtpFileTrack.open({ path: this.path, probe: true, ssrc: 0, seq: 0, onRtp: () => {} });
    try {
      const section = await track.sdpMediaSection();
      return {
        mediaSections: [section],
        tracks: [FILE_TRACK],
        durationSec: this.options.loop ? undefined : track.durationSec,
      };
    } finally {
      await track.close();
    }
  }

  async createConsumer(trackName: string, sink: RtpSink): Promise<SourceConsumer> {
    if (trackName !== FILE_TRACK)
      throw new KadrError('KADR_ERR_NOT_FOUND', `no track ${trackName} in ${this.name}`);
    return FilePlayback.open({
      path: this.path,
      loop: this.options.loop ?? false,
      sink,
      ssrc: randomInt(1, 2 ** 32 - 1),
      seq: randomInt(0, 0x1000),
      logger: this.options.logger.child({ mount: this.name }),
    });
  }
}

/** Mount name of a file: its name without extension (`/videos/cam 1.mp4` → `cam 1`). */
export function mountNameFor(file: string): string {
  return path.basename(file, path.extname(file));
}
