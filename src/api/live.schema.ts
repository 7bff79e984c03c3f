/**
 * Shapes of the live view routes: the list of what can be watched and the LL-HLS requests
 * (RFC 8216bis §6.2.5: `_HLS_msn` / `_HLS_part` are the blocking reload's delivery directives).
 */
import { Type } from '@sinclair/typebox';

export const LiveStream = Type.Object(
  {
    name: Type.String({ description: 'The camera name (or served file mount) the URLs carry' }),
    whep: Type.String({
      description:
        'POST an SDP offer here (WHEP, RFC 9725); add ?quality=<name>. A path on this node, or the full URL on the node that runs the camera',
    }),
    hls: Type.String({
      description:
        'The LL-HLS playlist: multivariant when there are several qualities, else the media playlist. A path on this node, or the full URL on the node that runs the camera',
    }),
    qualities: Type.Array(Type.String(), { description: 'What ?quality= may name, "original" first' }),
  },
  { $id: 'LiveStream' },
);

export const LiveList = Type.Array(Type.Ref(LiveStream));

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Quality = Type.String({ minLength: 1, maxLength: 64 });
/** Sequence numbers and part indexes: non-negative integers (a directive past the end is a 400 too). */
const Counter = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });

export const LiveParams = Type.Object({ name: Name });

export const PlaylistQuery = Type.Object({
  quality: Type.Optional(Quality),
  _HLS_msn: Type.Optional(Counter),
  _HLS_part: Type.Optional(Counter),
  _HLS_skip: Type.Optional(
    Type.String({ maxLength: 8, description: 'Ignored: no delta updates are offered' }),
  ),
});

export const HlsFileParams = Type.Object({
  name: Name,
  quality: Quality,
  file: Type.String({
    pattern: '^(seg[0-9]{1,10}\\.m4s|part[0-9]{1,10}\\.m4s|init-[0-9]{1,10}\\.mp4)$',
    description: 'seg<msn>.m4s, part<id>.m4s or init-<n>.mp4, as the media playlist names them',
  }),
});

export const PlayerQuery = Type.Object({
  mode: Type.Optional(Type.Union([Type.Literal('webrtc'), Type.Literal('hls')])),
  quality: Type.Optional(Quality),
});
