/**
 * The packets a camera pull hands to the recorder, reused once given back. A unit's bytes are copied
 * into a pooled packet (node-av's data setter copies), so that the buffer they came in (a
 * depacketizer's, or one the hub shares with other subscribers) is never held by the muxer.
 */
import '../core/polyfill.js';
import { Packet } from 'node-av/lib';
import type { MediaUnit } from '../core/media-unit.js';

/** Spare packets kept for reuse: a handful covers the recorder's lag behind the pull. */
const SPARES = 4;

export class PacketPool {
  private spare: Packet[] = [];
  private closed = false;

  /** A packet holding a copy of the unit's bytes, with its PTS, DTS and keyframe flag. */
  fill(unit: MediaUnit): Packet {
    let packet = this.spare.pop();
    if (!packet) {
      packet = new Packet();
      packet.alloc();
    }
    packet.data = unit.data;
    packet.pts = unit.pts;
    packet.dts = unit.dts;
    packet.isKeyframe = unit.key;
    return packet;
  }

  /** Takes a packet back for reuse; past the spares kept, or once closed, it is freed. */
  recycle(packet: Packet): void {
    if (this.closed || this.spare.length >= SPARES) {
      packet.free();
      return;
    }
    packet.unref();
    this.spare.push(packet);
  }

  /** Frees the spares; packets given back later are freed at once. */
  close(): void {
    this.closed = true;
    for (const p of this.spare) p.free();
    this.spare = [];
  }
}
