/**
 * What WHEP and WHIP (RFC 9725) answer alike: the SDP answer with the session's URL, and the OPTIONS
 * answer of the endpoint that takes offers.
 */
import type { FastifyReply } from 'fastify';

/** 201 Created with the answer; Location is where the client DELETEs the session. */
export function sendSdpAnswer(
  reply: FastifyReply,
  location: string,
  session: string,
  sdp: string,
): FastifyReply {
  return reply
    .status(201)
    .header('content-type', 'application/sdp')
    .header('location', location)
    .header('etag', `"${session}"`)
    .header('access-control-expose-headers', 'Location, ETag')
    .send(sdp);
}

/** OPTIONS of an endpoint that takes SDP offers. */
export function sendOfferOptions(reply: FastifyReply): FastifyReply {
  return reply.status(204).header('allow', 'OPTIONS, POST').header('accept-post', 'application/sdp').send();
}
