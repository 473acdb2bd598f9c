/**
 * Maintenance window routes of the management API (issue 14 point 2, ALERTING.md rule 6), over the operations of
 * ops/maintenance.ts that `hostwatch maintenance add|list|remove` runs. A window is one-off (`from`, `to`), weekly
 * (`days`, `start`, `end`) or by cron (`cron`, `durationMinutes`), in an IANA `timezone`, for `hosts` and/or `tags`;
 * the kind's own fields are checked by the operation, which names the one at fault.
 */
import * as ops from '../../ops/maintenance.js';
import { MAX_DURATION_MINUTES, NAME_RULE, WEEKDAYS } from '../../maintenance/windows.js';
import type { ManageModule } from './index.js';
import { errorResponses, hostNameParam, tagSchema } from './schemas.js';

const TAGS = ['maintenance'];

const windowName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: `window name: ${NAME_RULE}` } as const;
const clock = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local wall time HH:MM' } as const;
const instant = {
  type: 'string',
  maxLength: 40,
  description: 'ISO 8601: with `Z` or an offset it is that instant; without (`2026-12-24T22:00`) a wall time in `timezone`',
} as const;

const createBody = {
  type: 'object',
  required: ['name', 'kind', 'timezone'],
  additionalProperties: false,
  description: 'at least one of `hosts` and `tags`; `from`/`to` for once, `days`/`start`/`end` for weekly, `cron`/`durationMinutes` for cron',
  properties: {
    name: windowName,
    kind: { type: 'string', enum: ['once', 'weekly', 'cron'] },
    hosts: { type: 'array', maxItems: 200, items: hostNameParam, description: 'host names it holds (each must exist)' },
    tags: { type: 'array', maxItems: 200, items: tagSchema, description: 'hosts carrying any of these tags are held' },
    timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone of its times, e.g. Europe/Berlin' },
    reason: { type: 'string', maxLength: 500 },
    from: instant,
    to: instant,
    days: { type: 'array', minItems: 1, maxItems: 7, items: { type: 'string', enum: [...WEEKDAYS] }, description: 'weekly: the days it starts on' },
    start: clock,
    end: { ...clock, description: 'local wall time HH:MM; at or before `start`: the next day' },
    cron: { type: 'string', minLength: 1, maxLength: 200, description: '5-field cron expression in local time: minute hour day-of-month month day-of-week' },
    durationMinutes: { type: 'integer', minimum: 1, maximum: MAX_DURATION_MINUTES, description: 'cron: minutes each occurrence lasts (real time)' },
  },
} as const;

const occurrence = {
  type: 'object',
  nullable: true,
  additionalProperties: false,
  required: ['from', 'to', 'fromLocal', 'toLocal'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    fromLocal: { type: 'string', description: 'in the window\'s zone with its offset: 2026-12-24 22:00 +01:00' },
    toLocal: { type: 'string' },
  },
} as const;

const windowView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'kind', 'hosts', 'tags', 'timezone', 'createdAt', 'schedule', 'active', 'next'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['once', 'weekly', 'cron'] },
    hosts: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    timezone: { type: 'string' },
    reason: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    days: { type: 'array', items: { type: 'string' } },
    start: { type: 'string' },
    end: { type: 'string' },
    cron: { type: 'string' },
    durationMinutes: { type: 'integer' },
    schedule: { type: 'string', description: 'when it holds, in words' },
    active: { ...occurrence, description: 'the occurrence holding now; null when none' },
    next: { ...occurrence, description: 'the next occurrence starting after now; null when none' },
  },
} as const;

const params = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: windowName } } as const;

export const maintenanceRoutes: ManageModule = (app, deps) => {
  const stores = { hosts: deps.hosts, maintenance: deps.hosts.maintenance };

  app.get(
    '/api/v1/maintenance',
    {
      schema: {
        tags: TAGS,
        summary: 'Every maintenance window by name, with the occurrence holding now and the next one',
        response: { 200: { description: 'the windows, by name', type: 'array', items: windowView }, ...errorResponses() },
      },
    },
    async () => ops.listMaintenance(stores, { now: deps.now().getTime() }),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/maintenance',
    {
      schema: {
        tags: TAGS,
        summary: 'Add a maintenance window: the hosts it names or tags are held (no notices) while it is active',
        body: createBody,
        response: { 201: { description: 'the window', ...windowView }, ...errorResponses([409], { body: true }) },
      },
    },
    async (req, reply) => reply.code(201).send(await ops.addMaintenance(stores, req.body, { now: deps.now().getTime(), defaultTimezone: 'UTC' })),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/maintenance/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Remove a maintenance window (its hosts are no longer held by it from the next check)',
        params,
        response: { 204: { description: 'removed', type: 'null' }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      await ops.removeMaintenance(stores, { name: req.params.name });
      return reply.code(204).send();
    },
  );
};
