/**
 * /api/onvif: WS-Discovery from the server's network, one device's information and profiles, and a
 * device's stream added as a camera in one step. Each handler is one call into app/ (OnvifService).
 *
 * What the device says about the request is the client's input, never a server fault: refused
 * credentials, an unreachable or silent device, a SOAP fault are all 422. The credentials a device
 * refuses are not kadr's API token, so that answer is 422 too, not 401 (a client would take a 401 for
 * its own token).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { OnvifService } from '../app/index.js';
import { isKadrError } from '../core/errors.js';
import { HttpKadrError } from './errors.js';
import {
  OnvifCamera,
  OnvifCameraBody,
  OnvifDevice,
  OnvifDeviceBody,
  OnvifDiscoverBody,
  OnvifDiscoverList,
} from './onvif.schema.js';
import { ErrorBody, errorResponses } from './videos.schema.js';

export interface OnvifRoutesOptions {
  onvif: OnvifService;
}

const tags = ['onvif'];

async function deviceAnswersAs422<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (
      isKadrError(error) &&
      (error.code === 'KADR_ERR_UNAUTHORIZED' || error.code.startsWith('KADR_ERR_ONVIF_'))
    ) {
      throw new HttpKadrError(422, error.code, error.message, error.hint ? { hint: error.hint } : undefined);
    }
    throw error;
  }
}

export const onvifRoutes: FastifyPluginAsyncTypebox<OnvifRoutesOptions> = async (app, opts) => {
  const { onvif } = opts;
  const responses = { 422: Type.Ref(ErrorBody), ...errorResponses };

  app.post(
    '/onvif/discover',
    {
      schema: {
        tags,
        summary: "Probe the server's network with WS-Discovery; every device that answered, ONVIF ones first",
        body: Type.Optional(OnvifDiscoverBody),
        response: { 200: OnvifDiscoverList, ...responses },
      },
    },
    async (request) => ({ items: await onvif.discover(request.body ?? {}) }),
  );

  app.post(
    '/onvif/device',
    {
      schema: {
        tags,
        summary: 'An ONVIF device: information and media profiles with their stream and snapshot URIs',
        body: OnvifDeviceBody,
        response: { 200: OnvifDevice, ...responses },
      },
    },
    async (request) => deviceAnswersAs422(onvif.device(request.body)),
  );

  app.post(
    '/onvif/cameras',
    {
      schema: {
        tags,
        summary: "Add an ONVIF device's stream as a camera (its stream URI; the credentials encrypted)",
        body: OnvifCameraBody,
        response: { 201: OnvifCamera, ...responses },
      },
    },
    async (request, reply) => reply.status(201).send(await deviceAnswersAs422(onvif.addCamera(request.body))),
  );
};
