/**
 * Acknowledgement route of the management API (issue 14 point 3, ALERTING.md rule 6), over ops/ack.ts, which
 * `hostwatch hosts ack` and the signed acknowledge link also run: `POST /api/v1/hosts/{name}/ack` with an optional
 * body `{ condition?, by? }` (by default `api`). An acknowledged instance gets no further step notices; its end is
 * still sent. Acknowledging again keeps the first acknowledgement (`already: true`).
 */
import { acknowledge } from '../../ops/ack.js';
import type { ManageModule } from './index.js';
import { errorResponses, hostParams } from './schemas.js';

/** Who an acknowledgement through this API is recorded as, when the body names nobody. */
export const API_ACK_BY = 'api';

const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    condition: { type: 'string', minLength: 1, maxLength: 200, description: '`offline`, or a metric rule\'s name or id; absent: everything the host is alerting for now' },
    by: { type: 'string', minLength: 1, maxLength: 200, description: `who acknowledges, shown on the status page (default \`${API_ACK_BY}\`)` },
  },
} as const;

const time = { type: 'string', format: 'date-time' } as const;
const ackView = { type: 'object', additionalProperties: false, required: ['at', 'by'], properties: { at: time, by: { type: 'string' } } } as const;

const result = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'acknowledged'],
  properties: {
    host: { type: 'string' },
    acknowledged: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'condition', 'since', 'ack', 'already'],
        properties: {
          key: { type: 'string', description: 'the instance in the host document' },
          condition: { type: 'string', enum: ['offline', 'metric'] },
          rule: { type: 'string', description: 'metric: the rule\'s name' },
          ruleId: { type: 'string' },
          metric: { type: 'string' },
          item: { type: 'string', description: 'metric: the disk\'s mount, `""` for other metrics' },
          since: { ...time, description: 'when it began' },
          ack: { ...ackView, description: 'the acknowledgement it has (the first one, if it had one already)' },
          already: { type: 'boolean', description: 'it was acknowledged before this request' },
        },
      },
    },
  },
} as const;

export const ackRoutes: ManageModule = (app, deps) => {
  const db = deps.db;
  if (!db) return;
  app.post<{ Params: { name: string }; Body: { condition?: string; by?: string } }>(
    '/api/v1/hosts/:name/ack',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Acknowledge what a host is alerting for (or one condition): no further step notices, its end still sent',
        params: hostParams,
        body,
        response: { 200: { description: 'the acknowledged instances', ...result }, ...errorResponses([404], { body: true }) },
      },
      // The body is optional: none is `{}` (every field has a default), validated like one.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req) =>
      acknowledge(db, { host: req.params.name, by: req.body.by ?? API_ACK_BY, ...(req.body.condition !== undefined && { condition: req.body.condition }) }, deps.now().getTime()),
  );
};
