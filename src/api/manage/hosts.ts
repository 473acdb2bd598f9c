/**
 * Host routes of the management API: create (the key and secret once), read, update, remove, rotate, mute and tags,
 * each over the operation of ops/hosts.ts that `hostwatch hosts ...` runs, and the host list (`GET /api/v1/hosts`:
 * the status page's summaries with each latest report). Answers show a host as `hosts list --json` does; never its
 * key (outside create and rotate) nor its secret hash.
 */
import { hostJson } from '../../ops/host-view.js';
import * as ops from '../../ops/hosts.js';
import type { HostView } from '../../store/hosts-store.js';
import { TagSettingsStore } from '../../store/tag-settings-store.js';
import type { ManageDeps, ManageModule } from './index.js';
import { summarize } from '../host-summary.js';
import { errorResponses, hostCredentials, hostList, hostNameParam, hostParams, hostView, tagList, tagSchema } from './schemas.js';

const TAGS = ['hosts'];

const tagParams = { type: 'object', required: ['name', 'tag'], additionalProperties: false, properties: { name: hostNameParam, tag: tagSchema } } as const;

const createBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: hostNameParam,
    tags: tagList,
    alarm: { type: 'boolean', default: true, description: 'alerts on (default) or off; the host reports either way' },
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  description: 'any of these; the others stay',
  properties: {
    name: { ...hostNameParam, description: 'a new name (key, secret, reports and alert state stay)' },
    enabled: { type: 'boolean', description: 'accept reports (false: refuse them and stop alerting; the record stays)' },
    alarm: { type: 'boolean', description: 'alerts on or off (it keeps reporting)' },
    interval: { type: 'integer', minimum: 1, maximum: ops.MAX_INTERVAL_SECONDS, nullable: true, description: 'reporting interval in seconds for reporters that do not state one; null forgets it' },
    tags: { ...tagList, description: 'the host\'s tags, replacing the ones it has' },
  },
} as const;

const muteBody = {
  type: 'object',
  additionalProperties: false,
  description: 'exactly one of `until` and `for`',
  properties: {
    until: { type: 'string', format: 'date-time', description: 'an ISO time in the future, e.g. 2026-11-23T18:00:00Z' },
    for: { type: 'string', pattern: '^\\s*\\d+\\s*[smhd]\\s*$', description: 'a duration: 30m, 2h, 1d' },
  },
} as const;

type Named = { Params: { name: string } };

/**
 * A host answer, with the rules as last read (instances of removed rules are not shown active) and the tags' graces
 * (the grace that applies to it), as `hosts list --json` shows it.
 */
async function view(deps: ManageDeps, host: HostView) {
  const graces = deps.db && (host.tags?.length ?? 0) > 0 ? await new TagSettingsStore(deps.db).graces() : new Map<string, number>();
  return hostJson(host, deps.now().getTime(), deps.knownRules(), graces);
}

const ok = (description: string) => ({ 200: { description, ...hostView } });

export const hostRoutes: ManageModule = (app, deps) => {
  app.get(
    '/api/v1/hosts',
    { schema: { tags: TAGS, summary: 'Every host with its state, as the status page shows it, and its latest report', response: { 200: { description: 'the hosts', ...hostList }, ...errorResponses() } } },
    async () => {
      const at = deps.now();
      const [list, windows, graces] = await Promise.all([deps.hosts.list(), deps.hosts.maintenance.activeAt(at.getTime()), deps.hosts.tagSettings.graces()]);
      const known = deps.knownRules();
      return { checkedAt: at.toISOString(), hosts: list.map((h) => ({ ...summarize(h, at, known, windows, graces), data: h.data ?? null })) };
    },
  );

  app.post<{ Body: ops.CreateHostInput }>(
    '/api/v1/hosts',
    {
      schema: {
        tags: TAGS,
        summary: 'Register a host; the answer carries its key and secret, shown this once',
        body: createBody,
        response: { 201: { description: 'the host and its agent\'s credentials', ...hostCredentials }, ...errorResponses([409], { body: true }) },
      },
    },
    async (req, reply) => {
      const created = await ops.createHost(deps.hosts, req.body);
      return reply.code(201).header('cache-control', 'no-store').send({ ...created, host: await view(deps, created.host) });
    },
  );

  app.get<Named>(
    '/api/v1/hosts/:name',
    { schema: { tags: TAGS, summary: 'One host: state, alert state, tags, muting and its latest report', params: hostParams, response: { ...ok('the host'), ...errorResponses([404]) } } },
    async (req) => view(deps, await ops.getHost(deps.hosts, req.params.name)),
  );

  app.patch<Named & { Body: ops.UpdateHostInput }>(
    '/api/v1/hosts/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Rename, enable or disable, alarm on or off, set the interval or the tags',
        params: hostParams,
        body: updateBody,
        response: { ...ok('the host as it is now'), ...errorResponses([404, 409], { body: true }) },
      },
    },
    async (req) => view(deps, await ops.updateHost(deps.hosts, req.params.name, req.body)),
  );

  app.delete<Named>(
    '/api/v1/hosts/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a host and its latest report for good',
        params: hostParams,
        response: { 204: { description: 'deleted', type: 'null' }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      await ops.removeHost(deps.hosts, req.params.name);
      return reply.code(204).send();
    },
  );

  app.post<Named>(
    '/api/v1/hosts/:name/rotate',
    {
      schema: {
        tags: TAGS,
        summary: 'New key and secret (shown this once); the old ones stop working at once',
        params: hostParams,
        response: { 200: { description: 'the host and its new credentials', ...hostCredentials }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      const rotated = await ops.rotateHost(deps.hosts, req.params.name);
      return reply.header('cache-control', 'no-store').send({ ...rotated, host: await view(deps, rotated.host) });
    },
  );

  app.put<Named & { Body: { until?: string; for?: string } }>(
    '/api/v1/hosts/:name/mute',
    {
      schema: {
        tags: TAGS,
        summary: 'Silence the host\'s alerts until a time or for a while (it keeps reporting)',
        params: hostParams,
        body: muteBody,
        response: { ...ok('the host, muted'), ...errorResponses([404], { body: true }) },
      },
    },
    async (req) => view(deps, await ops.muteHost(deps.hosts, req.params.name, req.body, deps.now().getTime())),
  );

  app.delete<Named>(
    '/api/v1/hosts/:name/mute',
    { schema: { tags: TAGS, summary: 'Alert for the host again', params: hostParams, response: { ...ok('the host, not muted'), ...errorResponses([404]) } } },
    async (req) => view(deps, await ops.unmuteHost(deps.hosts, req.params.name)),
  );

  const tagRoute = (verb: 'put' | 'delete') =>
    app[verb]<{ Params: { name: string; tag: string } }>(
      '/api/v1/hosts/:name/tags/:tag',
      {
        schema: {
          tags: TAGS,
          summary: verb === 'put' ? 'Add a tag to the host (stored lower case; adding one it has changes nothing)' : 'Remove a tag from the host (one it does not carry changes nothing)',
          params: tagParams,
          response: { ...ok('the host with its tags'), ...errorResponses([404]) },
        },
      },
      async (req) => {
        const { name, tag } = req.params;
        await (verb === 'put' ? ops.tagHost(deps.hosts, name, [tag]) : ops.untagHost(deps.hosts, name, [tag]));
        return view(deps, await ops.getHost(deps.hosts, name));
      },
    );
  tagRoute('put');
  tagRoute('delete');
};
