/**
 * Schema pieces the management API's modules share (JSON Schema as OpenAPI 3.0 reads it: `nullable` rather than
 * type lists). Fastify validates requests with them and serializes answers through them, so an answer carries
 * only the properties listed here, and @fastify/swagger turns the same objects into /api/v1/openapi.json.
 */
import type { FastifyReply } from 'fastify';
import { HOST_NAME_PATTERN } from '../../ops/fields.js';

/** The error answer of every management route. */
export const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'string',
      enum: ['invalid', 'unauthorized', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'too_many_attempts', 'internal_error'],
      description: 'what kind of refusal: invalid (400), unauthorized (401), not_found (404), conflict (409), payload_too_large (413), unsupported_media_type (415), too_many_attempts (429)',
    },
    field: { type: 'string', description: 'the input field at fault, when one is: `name`, `tags[1]`, `until`, `body`' },
    message: { type: 'string', description: 'one sentence naming the field and what it must be' },
  },
} as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input: `field` names it',
  401: 'no valid admin token (Authorization: Bearer <ADMIN_TOKEN>); with no ADMIN_TOKEN configured every request gets this',
  404: 'no such host (or other named object)',
  409: 'conflicts with what exists (a taken name)',
  413: 'body larger than the limit (64 KiB)',
  415: 'a body that is not application/json',
  429: 'too many failed authentications from this address; see the Retry-After header',
};

/**
 * The error answers of a route: `codes` beyond the ones every authenticated route can give (400, 401, 429; and 413,
 * 415 when it takes a body).
 */
export function errorResponses(codes: readonly (404 | 409)[] = [], options: { body?: boolean } = {}): Record<number, unknown> {
  const all = [400, 401, ...codes, ...(options.body ? [413, 415] : []), 429];
  return Object.fromEntries(all.map((c) => [c, { description: ERROR_DESCRIPTIONS[c], ...errorBody }]));
}

/** Sends an error answer (the route's schema serializes it). */
export function sendError(reply: FastifyReply, status: number, error: string, message: string, field?: string): FastifyReply {
  return reply.code(status).send(field === undefined ? { error, message } : { error, field, message });
}

export const hostNameParam = {
  type: 'string',
  pattern: HOST_NAME_PATTERN.source,
  description: 'host name: 1 to 100 letters, digits, ".", "_" and "-"',
} as const;

export const hostParams = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: hostNameParam } } as const;

/** A tag as given (stored lower case): 1 to 64 letters, digits, ".", "_", "-" and ":", starting with a letter or digit. */
export const tagSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;

export const tagList = { type: 'array', maxItems: 32, items: tagSchema, description: 'at most 32 tags' } as const;

const isoTime = { type: 'string', format: 'date-time' } as const;
const nullableTime = { ...isoTime, nullable: true } as const;

/**
 * A host as `hostwatch hosts list --json` shows it (ops/host-view.ts hostJson): state, last report, alert state per
 * condition instance, active conditions, tags, muting and the latest report body. Never its key or secret hash.
 */
export const hostView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'state', 'active', 'alarm', 'lastReportAt', 'offlineMs', 'alertStep', 'alerts', 'conditions', 'interval', 'tags', 'mutedUntil', 'muted', 'grace', 'clockAheadMs', 'createdAt', 'data'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{24}$' },
    name: { type: 'string' },
    state: { type: 'string', enum: ['online', 'offline', 'never reported'] },
    active: { type: 'boolean', description: 'reports accepted (false: disabled)' },
    alarm: { type: 'boolean', description: 'alerts on' },
    lastReportAt: nullableTime,
    offlineMs: { type: 'integer', nullable: true, description: 'milliseconds since the last report, when offline' },
    alertStep: { type: 'integer', nullable: true, description: 'highest step (minutes) notified for the current outage' },
    alerts: {
      type: 'array',
      description: 'condition instances and which destinations were told which step',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          condition: { type: 'string' },
          start: isoTime,
          acked: {
            type: 'object',
            additionalProperties: false,
            required: ['at', 'by'],
            properties: { at: isoTime, by: { type: 'string' } },
            description: 'acknowledged (POST /api/v1/hosts/{name}/ack, hosts ack, a notice\'s link): no further step notices for it',
          },
        },
      },
    },
    conditions: { type: 'array', description: 'active conditions (metric rules, reboots)', items: { type: 'object', additionalProperties: true } },
    interval: { type: 'number', nullable: true, description: 'reporting interval in seconds (stated by the agent, else set on the host)' },
    tags: { type: 'array', items: { type: 'string' } },
    mutedUntil: nullableTime,
    muted: { type: 'boolean' },
    grace: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      required: ['seconds', 'from'],
      properties: { seconds: { type: 'integer', minimum: 0 }, from: { type: 'string', description: '"host" or "tag <tag>"' } },
      description: "the grace that applies (PUT /api/v1/hosts/{name}/grace or a tag's); null: the check's",
    },
    clockAheadMs: { type: 'integer', nullable: true, description: "how far the host's clock was ahead of the server's at its last report (over 30 s); else null" },
    createdAt: isoTime,
    data: { type: 'object', nullable: true, additionalProperties: true, description: 'the latest report body' },
  },
} as const;

/** `GET /api/v1/hosts`: every host as the status page shows it (host-summary.ts), with its latest report. */
export const hostList = {
  type: 'object',
  required: ['checkedAt', 'hosts'],
  additionalProperties: false,
  properties: {
    checkedAt: isoTime,
    hosts: {
      type: 'array',
      items: {
        type: 'object',
        // The summary's optional parts (maintenance, acknowledged, clockAheadMs) pass through as they are.
        additionalProperties: true,
        required: ['name', 'active', 'alarm', 'state', 'lastReportAt', 'offlineMinutes', 'offlineFor', 'alertStep', 'mutedUntil', 'conditions', 'data'],
        properties: {
          name: { type: 'string' },
          active: { type: 'boolean' },
          alarm: { type: 'boolean' },
          state: { type: 'string', enum: ['online', 'offline', 'never reported'] },
          lastReportAt: nullableTime,
          offlineMinutes: { type: 'integer', nullable: true },
          offlineFor: { type: 'string', nullable: true, description: '"26 h 1 min" while offline' },
          alertStep: { type: 'integer', nullable: true },
          mutedUntil: nullableTime,
          conditions: { type: 'array', items: { type: 'object', additionalProperties: true } },
          data: { type: 'object', nullable: true, additionalProperties: true, description: 'the latest report body' },
        },
      },
    },
  },
} as const;

/** A host with credentials: the answer of create and rotate, the only time the secret is given out. */
export const hostCredentials = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'key', 'secret'],
  properties: {
    host: hostView,
    key: { type: 'string', description: 'HOSTWATCH_KEY of the host\'s agent' },
    secret: { type: 'string', description: 'HOSTWATCH_SECRET of the host\'s agent: shown this once, only its hash is stored' },
  },
} as const;
