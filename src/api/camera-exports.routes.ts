/**
 * Clip exports of a camera's recording (compileRecord): POST queues one between two wallclock times,
 * GET follows its status and progress, GET .../file downloads the MP4 once done. Each handler is one
 * call into app/ (CameraExports).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { CameraExports } from '../app/index.js';
import { CameraParams } from './camera-recordings.schema.js';
import { isoTime } from './iso-time.js';
import { CameraExport, ExportBody, ExportParams } from './camera-exports.schema.js';
import { errorResponses } from './videos.schema.js';

export interface CameraExportsRoutesOptions {
  exports: CameraExports;
}

const tags = ['cameras'];

export const cameraExportsRoutes: FastifyPluginAsyncTypebox<CameraExportsRoutesOptions> = async (
  app,
  opts,
) => {
  const { exports } = opts;

  app.post(
    '/cameras/:id/exports',
    {
      schema: {
        tags,
        summary: 'Export a clip of the recording between two times into one MP4 object',
        description:
          'Frame-exact and without re-encoding: the first frame shown is the one at `from`, the last the last before `to`. 202 with the queued export; 404 when from..to is not one recorded span (an end not recorded, or a gap inside).',
        params: CameraParams,
        body: ExportBody,
        response: { 202: CameraExport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await exports.create(
        request.params.id,
        isoTime('from', request.body.from),
        isoTime('to', request.body.to),
      );
      return reply.code(202).header('location', `/api/exports/${created.id}`).send(created);
    },
  );

  app.get(
    '/exports/:id',
    {
      schema: {
        tags,
        summary: 'A clip export: status, progress and, once done, its object key',
        params: ExportParams,
        response: { 200: CameraExport, ...errorResponses },
      },
    },
    async (request) => exports.get(request.params.id),
  );

  app.get(
    '/exports/:id/file',
    {
      schema: {
        tags,
        summary: 'The MP4 of a finished clip export, as a download',
        description: '409 while the export is not done.',
        params: ExportParams,
        produces: ['video/mp4'],
        response: { 200: Type.String({ format: 'binary', description: 'video/mp4' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { stream, size, filename } = await exports.file(request.params.id);
      return (reply as FastifyReply)
        .type('video/mp4')
        .header('content-length', size)
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(stream);
    },
  );
};
