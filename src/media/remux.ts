/**
 * Copies the video stream of a file into another container without re-encoding (packets and their
 * timestamps unchanged), e.g. MP4 to Matroska. The demo uses it as a "recording" of an original.
 */
import { Muxer } from 'node-av/api';
import { openVideoInput } from './input.js';

export async function remuxVideo(source: string, target: string): Promise<number> {
  const input = await openVideoInput(source);
  const muxer = await Muxer.open(target);
  let packets = 0;
  try {
    const out = muxer.addStream(input.stream);
    for (const packet of input.demuxer.packetsSync(input.info.streamIndex)) {
      if (!packet) break;
      try {
        await muxer.writePacket(packet, out);
        packets++;
      } finally {
        packet.free();
      }
    }
  } finally {
    await muxer.close();
    await input.close();
  }
  return packets;
}
