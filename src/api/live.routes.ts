/**
 * Live view over HTTP: the list of streams a viewer can watch (on any node, every camera of the
 * registry: docs/nodes.md), and LL-HLS (RFC 8216bis) for each:
 * the multivariant playlist (several qualities) or media playlist, with blocking reload, its init
 * sections, segments and partial segments. The WHEP route is registered elsewhere (whep.routes.ts);
 * the list only names it. Each handler is one call into app/ (HlsMuxers over the live views).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { multivariantPlaylist, type HlsMuxers, type LiveViewsPort } from '../app/index.js';
import { KadrError } from '../core/errors.js';
import { HlsFileParams, LiveList, LiveParams, PlaylistQuery } from './live.schema.js';
import { errorResponses } from './videos.schema.js';

/** A camera that another node runs: its owner's HTTP base URL, and what the owner last reported. */
export interface LiveElsewhere {
  name: string;
  httpUrl: string;
  codec: string | null;
  height: number | null;
}

export interface LiveRoutesOptions {
  live: LiveViewsPort;
  hls: HlsMuxers;
  /** The cameras other nodes run (none when this node shares its cameras with no other). */
  elsewhere?: () => Promise<LiveElsewhere[]>;
}

const tags = ['live'];
const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const ORIGINAL = 'original';

/** Paths of a stream's live URLs (the name is one path segment). */
export function liveUrls(name: string): { whep: string; hls: string } {
  const base = `/api/live/${encodeURIComponent(name)}`;
  return { whep: `${base}/whep`, hls: `${base}/hls/index.m3u8` };
}

export const liveRoutes: FastifyPluginAsyncTypebox<LiveRoutesOptions> = async (app, opts) => {
  const { live, hls, elsewhere } = opts;

  const view = (name: string) => {
    const found = live.get(name);
    if (!found) {
      throw new KadrError('KADR_ERR_NOT_FOUND', `no live stream ${name}`, {
        hint: 'GET /api/live lists them',
      });
    }
    return found;
  };

  app.get(
    '/live',
    {
      schema: {
        tags,
        summary: 'Streams a viewer can watch live (cameras and served files), with their WHEP and HLS URLs',
        response: { 200: LiveList, ...errorResponses },
      },
    },
    async () => {
      const listed = live.list().map((v) => ({ name: v.name, ...liveUrls(v.name), qualities: v.qualities }));
      // Another node's camera is listed with that node's URLs: a client then sends its offer (and its
      // token) straight to the node that has the picture, where a URL here would answer with a 307
      // that fetch and curl follow without the Authorization header (node-redirect.ts). Its
      // qualities come from the codec and height its owner reported (every rung while unknown).
      const taken = new Set(listed.map((v) => v.name));
      for (const c of elsewhere ? await elsewhere() : []) {
        if (taken.has(c.name)) continue;
        taken.add(c.name);
        const urls = liveUrls(c.name);
        listed.push({
          name: c.name,
          whep: `${c.httpUrl}${urls.whep}`,
          hls: `${c.httpUrl}${urls.hls}`,
          qualities: live.qualitiesFor(c.codec, c.height),
        });
      }
      return listed;
    },
  );

  app.get(
    '/live/:name/hls/index.m3u8',
    {
      schema: {
        tags,
        summary: 'LL-HLS playlist of a stream',
        description:
          'Without ?quality= and with several qualities: the multivariant playlist. Otherwise the media playlist of the quality (original by default), with blocking reload: _HLS_msn (and _HLS_part) hold the answer until the playlist holds that segment (part); 400 when they are too far ahead (RFC 8216bis §6.2.5.2).',
        params: LiveParams,
        querystring: PlaylistQuery,
        produces: [PLAYLIST_TYPE],
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { quality, _HLS_msn: msn, _HLS_part: part } = request.query;
      const v = view(name);
      if (part !== undefined && msn === undefined) {
        throw new KadrError('KADR_ERR_VALIDATION', '_HLS_part needs _HLS_msn (RFC 8216bis §6.2.5.2)');
      }
      let text: string;
      if (quality === undefined && v.qualities.length > 1) {
        if (msn !== undefined)
          throw new KadrError('KADR_ERR_VALIDATION', '_HLS_msn applies to a media playlist');
        const variants = await Promise.all(v.qualities.map((q) => hls.get(name, q).variant()));
        text = multivariantPlaylist(variants);
      } else {
        text = await hls.get(name, quality ?? ORIGINAL).playlist(msn, part);
      }
      return (reply as FastifyReply).type(PLAYLIST_TYPE).header('cache-control', 'no-cache').send(text);
    },
  );

  app.get(
    '/live/:name/hls/:quality/:file',
    {
      schema: {
        tags,
        summary: 'An init section, segment or partial segment of a stream (fMP4)',
        description:
          'The next part (the preload hint) and the segment in progress are held until complete; anything that left the window is a 404.',
        params: HlsFileParams,
        produces: ['video/mp4'],
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, quality, file } = request.params;
      view(name);
      const muxer = hls.get(name, quality);
      const n = Number(/[0-9]+/.exec(file)![0]);
      const bytes = file.startsWith('seg')
        ? await muxer.segment(n)
        : file.startsWith('part')
          ? await muxer.part(n)
          : muxer.init(n);
      if (!bytes) {
        throw new KadrError(
          'KADR_ERR_NOT_FOUND',
          `${file} of ${name} (${quality}) is not in the live window`,
          {
            hint: 'reload the playlist',
          },
        );
      }
      const type = file.endsWith('.mp4') ? 'video/mp4' : 'video/iso.segment';
      return (reply as FastifyReply).type(type).header('cache-control', 'max-age=60').send(bytes);
    },
  );
};
