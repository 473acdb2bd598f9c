/**
 * Channel routes of the management API, over the operations of ops/channels.ts that `hostwatch channels ...` runs.
 * A channel URL is write-only: it is taken by create and update and never answered; answers carry the kind, the
 * number of destinations and the URL with every secret masked, as `channels list` shows them.
 */
import * as ops from '../../ops/channels.js';
import { ChannelStore } from '../../store/channels-store.js';
import type { ManageModule } from './index.js';
import { errorResponses } from './schemas.js';

const TAGS = ['channels'];

const channelName = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'channel name: 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit',
} as const;

const channelUrl = {
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  writeOnly: true,
  description: 'the channel URL (docs/channels.md), secrets included: stored, never answered. `mailto:ops@example.com`, `slack+https://hooks.slack.com/services/...`',
} as const;

const locale = {
  type: 'string',
  minLength: 2,
  maxLength: 35,
  description: 'the channel\'s own locale, over the schedule\'s: `en` or `zh-CN` (a catalogue in src/messages/locales/; docs/messages.md)',
} as const;

const templatePart = (part: string) => ({ type: 'string', minLength: 1, maxLength: 16_384, description: `liquid template of the ${part} (docs/messages.md lists the variables); checked when stored` }) as const;

const template = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { title: templatePart('title'), body: templatePart('body') },
  description: 'the channel\'s message template: either part may be absent (that part keeps the default message); not a secret',
} as const;

const params = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: channelName } } as const;

const channelView = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'destinations', 'url', 'createdAt', 'updatedAt'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', description: 'mailto, webhook, slack, ...; `unknown` when the stored URL no longer parses' },
    destinations: { type: 'integer', minimum: 0, description: 'addresses (mailto) or targets the channel delivers to' },
    url: { type: 'string', description: 'the URL with every secret masked (`***`); only its scheme when it no longer parses' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    problem: { type: 'string', description: 'why the stored URL cannot be used; absent when it can' },
    locale: { type: 'string', description: 'the channel\'s own locale; absent: the schedule\'s' },
    template,
  },
} as const;

const createBody = { type: 'object', required: ['name', 'url'], additionalProperties: false, properties: { name: channelName, url: channelUrl, locale, template } } as const;
const updateBody = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  description: 'what changes: absent fields keep their values; a null locale or template removes it',
  properties: {
    url: channelUrl,
    locale: { ...locale, type: ['string', 'null'] },
    template: { ...template, type: ['object', 'null'] },
  },
} as const;

type Named = { Params: { name: string } };

export const channelRoutes: ManageModule = (app, deps) => {
  if (!deps.db) return;
  const store = new ChannelStore(deps.db);

  app.get(
    '/api/v1/channels',
    {
      schema: {
        tags: TAGS,
        summary: 'Every channel by name: kind, destinations and URL with secrets masked',
        response: { 200: { description: 'the channels, by name', type: 'array', items: channelView }, ...errorResponses() },
      },
    },
    async () => (await ops.listChannels(store)).map(ops.channelJson),
  );

  app.post<{ Body: ops.ChannelInput }>(
    '/api/v1/channels',
    {
      schema: {
        tags: TAGS,
        summary: 'Add a channel; its URL is checked and answered with secrets masked',
        body: createBody,
        response: { 201: { description: 'the channel', ...channelView }, ...errorResponses([409], { body: true }) },
      },
    },
    async (req, reply) => reply.code(201).send(ops.channelJson(await ops.addChannel(store, req.body))),
  );

  app.get<Named>(
    '/api/v1/channels/:name',
    { schema: { tags: TAGS, summary: 'One channel (its URL with secrets masked)', params, response: { 200: { description: 'the channel', ...channelView }, ...errorResponses([404]) } } },
    async (req) => ops.channelJson(await ops.showChannel(store, req.params)),
  );

  app.patch<Named & { Body: { url?: string; locale?: string | null; template?: ops.ChannelInput['template'] } }>(
    '/api/v1/channels/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Change the URL, locale or template of a channel (its name stays)',
        params,
        body: updateBody,
        response: { 200: { description: 'the channel as it is now', ...channelView }, ...errorResponses([404], { body: true }) },
      },
    },
    async (req) => ops.channelJson(await ops.updateChannel(store, { ...req.body, name: req.params.name })),
  );

  app.delete<Named>(
    '/api/v1/channels/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a channel',
        params,
        response: { 204: { description: 'deleted', type: 'null' }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      await ops.removeChannel(store, req.params);
      return reply.code(204).send();
    },
  );
};
