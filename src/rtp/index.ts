export * from './sdp.js';
export * from './rtcp-sender-report.js';
export * from './rtcp-packets.js';
export { annexBExtradata } from './access-unit.js';
export type { AccessUnit } from './access-unit.js';
export { H264Depacketizer } from './h264-depacketizer.js';
export { HevcDepacketizer } from './hevc-depacketizer.js';
export { DamageTracker } from './loss-report.js';
export { parseRtpPacket, writeRtpHeaderFields } from './rtp-packet.js';
export { RtpReceiver, rtpVideoCodec } from './rtp-receiver.js';
export { pictureLossIndication } from './rtcp-feedback.js';
export { RtpReorderBuffer } from './rtp-reorder.js';
export { RtpTimestampUnwrapper } from './rtp-timestamp.js';
export { PlayoutClock, nptToTicks, rtpTimestampAfterMs } from './rtp-timing.js';
export { parseSdpVideo } from './sdp-video.js';
export { rtpBaseOf, rtpTimestampAt } from './rtp-timing.js';
export { FRAME_PREFIX, RtpVideoPacketizer, splitAnnexB } from './rtp-video-packetizer.js';
export type {
  FramedRtpUnit,
  PacketizedCodec,
  PacketizedUnit,
  RtpVideoPacketizerOptions,
} from './rtp-video-packetizer.js';
export { liveVideoSdpSection } from './sdp-live-video.js';
