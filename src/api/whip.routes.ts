/**
 * WHIP (RFC 9725): a WebRTC sender publishes its video under a name, answered in one round trip.
 *  - POST /api/whip/:name with `Content-Type: application/sdp` (an offer with a sendonly H.264 video
 *    track): 201, the SDP answer, `Location` of the session (/api/whip/:name/:session) and its ETag
 *    (§4.2). Non-trickle: the answer carries every candidate, so the client needs no PATCH.
 *  - DELETE on the session ends it (§4.2: 200) and answers with its recording as JSON; GET on it
 *    says how it goes (frames, losses, the recording once stored).
 *  - Errors: another content type 415, an offer that is not SDP or has no sending video 400, no
 *    H.264 406, a name that is live already 409, an unknown session 404. The API token as everywhere
 *    else (the /webcam page sends it as `Authorization: Bearer`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LiveViewsPort, WhipService } from '../app/index.js';
import { HttpStatusError, type WebRtcServer } from '../webrtc/index.js';
import { HttpKadrError } from './errors.js';
import { sendOfferOptions, sendSdpAnswer } from './sdp-answer.js';

export interface WhipRoutesOptions {
  whip: WhipService;
  live: LiveViewsPort;
  /** The process's WebRTC server; absent where no live runtime runs (then every offer is a 503). */
  webrtc: WebRtcServer | undefined;
}

const tags = ['ingest'];
const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const SessionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  session: Type.String({ minLength: 1, maxLength: 100 }),
});
const MAX_OFFER_BYTES = 64 * 1024;

function toKadrError(error: HttpStatusError): HttpKadrError {
  const code =
    error.status === 406
      ? 'KADR_ERR_CODEC_UNSUPPORTED'
      : error.status === 503
        ? 'KADR_ERR_CONFLICT'
        : 'KADR_ERR_VALIDATION';
  return new HttpKadrError(error.status, code, error.message, error.hint ? { hint: error.hint } : undefined);
}

export const whipRoutes: FastifyPluginAsyncTypebox<WhipRoutesOptions> = async (app, opts) => {
  const { whip, live, webrtc } = opts;
  // Any body is read as text in this plugin's scope: the handler checks the type (415 with a hint).
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_OFFER_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/whip/:name',
    {
      schema: {
        tags,
        summary:
          "WHIP (RFC 9725): POST a sender's SDP offer (H.264 video), get the answer (201) and the session URL",
        params: Params,
        consumes: ['application/sdp'],
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/sdp') {
        throw new HttpKadrError(415, 'KADR_ERR_VALIDATION', 'a WHIP offer is sent as application/sdp', {
          hint: 'send the offer with "Content-Type: application/sdp"',
        });
      }
      if (!webrtc) {
        throw new HttpKadrError(503, 'KADR_ERR_CONFLICT', 'this kadr process runs no WebRTC server', {
          hint: 'kadr serve runs one (KADR_WEBRTC_PORT)',
        });
      }
      const { name } = request.params;
      const body = typeof request.body === 'string' ? request.body : '';
      let answer;
      try {
        // A camera of the name is no conflict here: a push camera takes the session, a pulled one
        // refuses it (the registry says which).
        const view = live.get(name);
        answer = await whip.publish(name, body, webrtc, view !== undefined && view.kind !== 'camera');
      } catch (error) {
        if (error instanceof HttpStatusError) throw toKadrError(error);
        throw error;
      }
      return sendSdpAnswer(
        reply,
        `/api/whip/${encodeURIComponent(name)}/${answer.id}`,
        answer.id,
        answer.sdp,
      );
    },
  );

  app.options('/whip/:name', { schema: { hide: true, params: Params } }, async (_request, reply) =>
    sendOfferOptions(reply),
  );

  app.delete(
    '/whip/:name/:session',
    {
      schema: {
        tags,
        summary:
          'End a WHIP session (RFC 9725 §4.2); answers its recording {key, frames, firstFrameTime, ...}',
        params: SessionParams,
      },
    },
    async (request) => {
      const recording = await whip.end(request.params.name, request.params.session);
      return recording ?? { key: null, frames: 0 };
    },
  );

  app.get(
    '/whip/:name/:session',
    {
      schema: {
        tags,
        summary: 'A WHIP session: state, frames, losses, and its recording once stored',
        params: SessionParams,
      },
    },
    async (request) => whip.status(request.params.name, request.params.session),
  );

  app.route({
    method: ['PATCH', 'PUT'],
    url: '/whip/:name/:session',
    schema: { hide: true },
    handler: async (_request, reply) =>
      reply
        .status(405)
        .header('allow', 'OPTIONS, GET, DELETE')
        .send({
          error: {
            code: 'KADR_ERR_VALIDATION',
            message: 'trickle ICE and ICE restarts are not supported: the answer carries every candidate',
          },
        }),
  });
};
