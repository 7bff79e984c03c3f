/**
 * WHEP (RFC 9725): a browser's WebRTC offer for a live view, answered in one round trip.
 *  - POST /api/live/:name/whep[?quality=] with `Content-Type: application/sdp`: 201, the SDP answer,
 *    `Location` of the session and its ETag (§4.2). Non-trickle: the answer carries every candidate
 *    (they are gathered before it goes out), so the client needs no PATCH.
 *  - DELETE on the session ends it (§4.2: 200); PATCH (trickle ICE, ICE restart) is not supported
 *    and answered 405 (§4.3.1 lets a server do so); OPTIONS says what is allowed, with Accept-Post.
 *  - Errors: an offer that is not SDP 400, another content type 415, a stream or quality that does not
 *    exist 404, a codec the browser did not offer 406 (with a hint to choose an H.264 quality). The
 *    API token as everywhere else: a browser sends it from fetch() as `Authorization: Bearer`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LiveViewSource } from '../streams/index.js';
import { HttpStatusError, type WebRtcServer } from '../webrtc/index.js';
import { HttpKadrError } from './errors.js';
import { sendOfferOptions, sendSdpAnswer } from './sdp-answer.js';

export interface WhepRoutesOptions {
  live: LiveViewSource;
  /** The process's WebRTC server; absent where no live runtime runs (then every offer is a 404). */
  webrtc: WebRtcServer | undefined;
}

const tags = ['live'];
const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const SessionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  session: Type.String({ minLength: 1, maxLength: 100 }),
});
const Query = Type.Object({ quality: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) });
/** An SDP offer is a few kB; this is plenty and keeps a flood small. */
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

export const whepRoutes: FastifyPluginAsyncTypebox<WhepRoutesOptions> = async (app, opts) => {
  const { live, webrtc } = opts;
  // Any body is read as text here (this plugin's scope only): the offer's type is checked by the
  // handler (415 with a hint), and a PATCH with a trickle fragment gets its 405, not a 415.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_OFFER_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/live/:name/whep',
    {
      schema: {
        tags,
        summary: 'WHEP (RFC 9725): POST an SDP offer, get the answer (201) and the session URL in Location',
        params: Params,
        querystring: Query,
        consumes: ['application/sdp'],
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/sdp') {
        throw new HttpKadrError(415, 'KADR_ERR_VALIDATION', 'a WHEP offer is sent as application/sdp', {
          hint: 'send the offer with "Content-Type: application/sdp"',
        });
      }
      const { name } = request.params;
      const quality = request.query.quality ?? 'original';
      if (!webrtc || !live.get(name)) {
        throw new HttpKadrError(404, 'KADR_ERR_NOT_FOUND', `no live stream ${name}`, {
          hint: 'GET /api/live lists what can be watched',
        });
      }
      const body = typeof request.body === 'string' ? request.body : '';
      let answer;
      try {
        answer = await webrtc.offer(live, { name, quality, sdp: body });
      } catch (error) {
        if (error instanceof HttpStatusError) throw toKadrError(error);
        throw error;
      }
      return sendSdpAnswer(
        reply,
        `/api/live/${encodeURIComponent(name)}/whep/${answer.session}`,
        answer.session,
        answer.sdp,
      );
    },
  );

  app.options('/live/:name/whep', { schema: { hide: true, params: Params } }, async (_request, reply) =>
    sendOfferOptions(reply),
  );

  app.delete(
    '/live/:name/whep/:session',
    { schema: { tags, summary: 'End a WHEP session (RFC 9725 §4.2)', params: SessionParams } },
    async (request, reply) => {
      if (!webrtc?.end(request.params.session)) {
        throw new HttpKadrError(404, 'KADR_ERR_NOT_FOUND', 'no such WHEP session', {
          hint: 'it ended already (the viewer left or went silent)',
        });
      }
      return reply.status(200).send();
    },
  );

  app.options(
    '/live/:name/whep/:session',
    { schema: { hide: true, params: SessionParams } },
    async (_r, reply) => reply.status(204).header('allow', 'OPTIONS, DELETE').send(),
  );

  const notAllowed =
    (allow: string) =>
    async (
      _request: unknown,
      reply: { status(n: number): { header(k: string, v: string): { send(b: unknown): unknown } } },
    ) =>
      reply
        .status(405)
        .header('allow', allow)
        .send({
          error: {
            code: 'KADR_ERR_VALIDATION',
            message: allow.includes('DELETE')
              ? 'trickle ICE and ICE restarts are not supported: the answer carries every candidate'
              : 'a WHEP endpoint takes POST',
          },
        });
  app.route({
    method: ['GET', 'PUT', 'PATCH'],
    url: '/live/:name/whep',
    schema: { hide: true },
    handler: notAllowed('OPTIONS, POST'),
  });
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'POST'],
    url: '/live/:name/whep/:session',
    schema: { hide: true },
    handler: notAllowed('OPTIONS, DELETE'),
  });
};
