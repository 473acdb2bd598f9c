/**
 * Grace routes of the management API (issue 14 point 4, ALERTING.md rule 9), over the operations of ops/grace.ts
 * that `hostwatch hosts grace` and `hostwatch tags grace|list` run: a host's own grace, a tag's grace (the largest of
 * a host's tags applies when it has none of its own), and the tags in use. Graces are whole seconds, 0 to 1 day.
 */
import { clearHostGrace, clearTagGrace, listTags, setHostGrace, setTagGrace } from '../../ops/grace.js';
import { MAX_GRACE_SECONDS } from '../../store/host-grace.js';
import type { ManageModule } from './index.js';
import { errorResponses, hostParams, tagSchema } from './schemas.js';

const grace = { type: 'integer', minimum: 0, maximum: MAX_GRACE_SECONDS, description: 'seconds of silence allowed beyond the reporting interval, 0 to 86400 (1 day)' } as const;
const body = { type: 'object', required: ['grace'], additionalProperties: false, properties: { grace } } as const;
const tagParams = { type: 'object', required: ['tag'], additionalProperties: false, properties: { tag: tagSchema } } as const;

const hostGrace = { type: 'object', additionalProperties: false, required: ['name', 'grace'], properties: { name: { type: 'string' }, grace } } as const;
const tagGrace = { type: 'object', additionalProperties: false, required: ['tag', 'grace'], properties: { tag: { type: 'string' }, grace } } as const;
const tagView = {
  type: 'object',
  additionalProperties: false,
  required: ['tag', 'hosts', 'grace'],
  properties: {
    tag: { type: 'string' },
    hosts: { type: 'integer', description: 'hosts carrying it' },
    grace: { ...grace, nullable: true, description: 'its grace in seconds; null when none is set' },
  },
} as const;

export const graceRoutes: ManageModule = (app, deps) => {
  const stores = { hosts: deps.hosts, tagSettings: deps.hosts.tagSettings };

  app.put<{ Params: { name: string }; Body: { grace: number } }>(
    '/api/v1/hosts/:name/grace',
    {
      schema: {
        tags: ['hosts'],
        summary: "Set a host's own grace: offline only once silent longer than its interval plus this (replaces its tags' and the check's)",
        params: hostParams,
        body,
        response: { 200: { description: 'the host and its grace', ...hostGrace }, ...errorResponses([404], { body: true }) },
      },
    },
    async (req) => setHostGrace(stores, { name: req.params.name, grace: req.body.grace }),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/hosts/:name/grace',
    {
      schema: {
        tags: ['hosts'],
        summary: "Clear a host's own grace (its tags' grace, or the check's, applies again)",
        params: hostParams,
        response: { 204: { description: 'cleared', type: 'null' }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      await clearHostGrace(stores, { name: req.params.name });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/tags',
    {
      schema: {
        tags: ['tags'],
        summary: 'Every tag carried by a host or holding a setting, by name: its host count and grace',
        response: { 200: { description: 'the tags', type: 'array', items: tagView }, ...errorResponses() },
      },
    },
    async () => listTags(stores),
  );

  app.put<{ Params: { tag: string }; Body: { grace: number } }>(
    '/api/v1/tags/:tag/grace',
    {
      schema: {
        tags: ['tags'],
        summary: 'Set the grace of every host carrying the tag (the largest of its tags applies; a host\'s own wins)',
        params: tagParams,
        body,
        response: { 200: { description: 'the tag (lower case) and its grace', ...tagGrace }, ...errorResponses([], { body: true }) },
      },
    },
    async (req) => setTagGrace(stores, { tag: req.params.tag, grace: req.body.grace }),
  );

  app.delete<{ Params: { tag: string } }>(
    '/api/v1/tags/:tag/grace',
    {
      schema: {
        tags: ['tags'],
        summary: "Clear a tag's grace (nothing to clear is no error)",
        params: tagParams,
        response: { 204: { description: 'cleared', type: 'null' }, ...errorResponses() },
      },
    },
    async (req, reply) => {
      await clearTagGrace(stores, { tag: req.params.tag });
      return reply.code(204).send();
    },
  );
};
