/**
 * Camera groups (add, list, show, change, remove) and their triggers: POST .../trigger starts a
 * triggered recording of every camera of the group at one instant, GET /triggers/:id follows it.
 * Each handler is one call into app/ (CameraGroups, CameraTriggers).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CameraGroups, CameraTriggers } from '../app/index.js';
import {
  CameraGroup,
  CameraGroupList,
  CameraTrigger,
  GroupCreateBody,
  GroupParams,
  GroupPatchBody,
  TriggerBody,
  TriggerParams,
} from './camera-groups.schema.js';
import { isoTime } from './iso-time.js';
import { errorResponses } from './videos.schema.js';

export interface CameraGroupsRoutesOptions {
  groups: CameraGroups;
  triggers: CameraTriggers;
}

const tags = ['cameras'];

export const cameraGroupsRoutes: FastifyPluginAsyncTypebox<CameraGroupsRoutesOptions> = async (app, opts) => {
  const { groups, triggers } = opts;

  app.post(
    '/camera-groups',
    {
      schema: {
        tags,
        summary: 'Add a camera group (409 when the name is taken, 404 when a camera does not exist)',
        body: GroupCreateBody,
        response: { 201: CameraGroup, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await groups.create(request.body)),
  );

  app.get(
    '/camera-groups',
    {
      schema: {
        tags,
        summary: 'Every camera group, by name',
        response: { 200: CameraGroupList, ...errorResponses },
      },
    },
    async () => ({ items: await groups.list() }),
  );

  app.get(
    '/camera-groups/:id',
    {
      schema: {
        tags,
        summary: 'One camera group',
        params: GroupParams,
        response: { 200: CameraGroup, ...errorResponses },
      },
    },
    async (request) => groups.get(request.params.id),
  );

  app.patch(
    '/camera-groups/:id',
    {
      schema: {
        tags,
        summary: 'Rename a group or replace its cameras',
        params: GroupParams,
        body: GroupPatchBody,
        response: { 200: CameraGroup, ...errorResponses },
      },
    },
    async (request) => groups.update(request.params.id, request.body),
  );

  app.delete(
    '/camera-groups/:id',
    {
      schema: {
        tags,
        summary: 'Remove a camera group (its cameras and recordings stay)',
        params: GroupParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await groups.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/camera-groups/:id/trigger',
    {
      schema: {
        tags,
        summary: 'Record every camera of the group from one instant: a frame-exact clip per camera',
        description:
          'Cameras not recording are switched on at once (their kept GOP is the pre-roll) and off again after the window; each clip is a clip export from at - preRoll to at + duration. 202 with the trigger; follow it at the Location.',
        params: GroupParams,
        body: TriggerBody,
        response: { 202: CameraTrigger, ...errorResponses },
      },
      // A POST without a body triggers now with the defaults.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await triggers.trigger(request.params.id, {
        atMs: body.at === undefined ? undefined : isoTime('at', body.at),
        durationS: body.durationSeconds,
        preRollS: body.preRollSeconds,
      });
      return reply.code(202).header('location', `/api/triggers/${created.id}`).send(created);
    },
  );

  app.get(
    '/triggers/:id',
    {
      schema: {
        tags,
        summary: "A trigger: status, progress and, once done, each camera's clip and the spread",
        params: TriggerParams,
        response: { 200: CameraTrigger, ...errorResponses },
      },
    },
    async (request) => triggers.get(request.params.id),
  );
};
