/**
 * Metric-rule routes of the management API, over the operations of ops/rules.ts that `hostwatch rules ...` runs.
 * A rule is addressed by its id (stable across renames); input names a threshold as `above` or `below`, answers
 * give it as `op` and `threshold` (rules list --json). What the document cannot say (a clear past the threshold, a
 * percentage over 100, steps out of order) is refused by the operation: 400 naming the field.
 */
import * as ops from '../../ops/rules.js';
import { DEFAULT_RULE_STEPS, METRICS } from '../../rules/rule.js';
import { RuleStore } from '../../store/rules-store.js';
import type { ManageModule } from './index.js';
import { errorResponses, hostNameParam, tagSchema } from './schemas.js';

const TAGS = ['rules'];

const ruleName = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'rule name: 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit',
} as const;

const metric = {
  type: 'string',
  pattern: `^(${METRICS.join('|')}|data(\\.[A-Za-z0-9_-]{1,64}){1,8})$`,
  description: `${METRICS.join(', ')}, or data.<path> for any numeric report field (data.temperature)`,
} as const;

const value = { type: 'number' } as const;
const steps = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  items: { type: 'integer', minimum: 1, maximum: 525_600 },
  description: `whole minutes, strictly increasing; the first is how long it must hold before the first notice (default ${DEFAULT_RULE_STEPS.join(',')}; none for reboot)`,
} as const;
const hosts = { type: 'array', minItems: 1, maxItems: 1000, items: hostNameParam, description: 'the hosts it applies to (absent with no tags: every host)' } as const;
const tags = { type: 'array', minItems: 1, maxItems: 32, items: tagSchema, description: 'tags of the hosts it applies to, besides those in hosts' } as const;

const fields = {
  name: ruleName,
  metric,
  above: { ...value, description: 'breaches while the value is greater than this (give above or below, not both; neither for reboot)' },
  below: { ...value, description: 'breaches while the value is less than this' },
  clear: { ...value, description: 'hysteresis: once breached it ends only at or past this (default: the threshold)' },
  perCpu: { type: 'boolean', description: 'load1/load5/load15 divided by the report\'s cpus' },
  steps,
  hosts,
  tags,
} as const;

const createBody = { type: 'object', required: ['name', 'metric'], additionalProperties: false, properties: fields } as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'any of these; the others stay. null forgets clear, hosts or tags (hosts and tags null: every host)',
  properties: {
    ...fields,
    clear: { ...fields.clear, nullable: true },
    hosts: { ...hosts, nullable: true },
    tags: { ...tags, nullable: true },
  },
} as const;

const params = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{24}$', description: 'the rule\'s id (GET /api/v1/rules)' } },
} as const;

const nullableList = { type: 'array', nullable: true, items: { type: 'string' } } as const;

const ruleView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'metric', 'op', 'threshold', 'clear', 'perCpu', 'steps', 'hosts', 'tags', 'condition', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{24}$' },
    name: { type: 'string' },
    metric: { type: 'string' },
    op: { type: 'string', enum: ['above', 'below', null], nullable: true, description: 'null for reboot' },
    threshold: { type: 'number', nullable: true },
    clear: { type: 'number', nullable: true },
    perCpu: { type: 'boolean' },
    steps: { type: 'array', items: { type: 'number' }, description: 'minutes; empty for reboot' },
    hosts: { ...nullableList, description: 'null: not by name' },
    tags: { ...nullableList, description: 'null: not by tag (both null: every host)' },
    condition: { type: 'string', description: 'how lists read it: `disk above 90 %, clears at 85 %`' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    problem: { type: 'string', description: 'why a stored rule is not evaluated (edited by hand); absent when it is' },
  },
} as const;

type ById = { Params: { id: string } };

export const ruleRoutes: ManageModule = (app, deps) => {
  if (!deps.db) return;
  const store = new RuleStore(deps.db);

  app.get(
    '/api/v1/rules',
    {
      schema: {
        tags: TAGS,
        summary: 'Every metric rule by name',
        response: { 200: { description: 'the rules, by name', type: 'array', items: ruleView }, ...errorResponses() },
      },
    },
    async () => (await ops.listRules(store)).map(ops.ruleJson),
  );

  app.post<{ Body: ops.RuleInput }>(
    '/api/v1/rules',
    {
      schema: {
        tags: TAGS,
        summary: 'Add a rule; it is evaluated from the next report of each host it applies to',
        body: createBody,
        response: { 201: { description: 'the rule', ...ruleView }, ...errorResponses([409], { body: true }) },
      },
    },
    async (req, reply) => reply.code(201).send(ops.ruleJson(await ops.addRule(store, req.body))),
  );

  app.get<ById>(
    '/api/v1/rules/:id',
    { schema: { tags: TAGS, summary: 'One rule', params, response: { 200: { description: 'the rule', ...ruleView }, ...errorResponses([404]) } } },
    async (req) => ops.ruleJson(await ops.findRule(store, { id: req.params.id })),
  );

  app.patch<ById & { Body: ops.RuleChanges }>(
    '/api/v1/rules/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Change a rule; fields not named keep their values (open instances keep their start)',
        params,
        body: updateBody,
        response: { 200: { description: 'the rule as it is now', ...ruleView }, ...errorResponses([404, 409], { body: true }) },
      },
    },
    async (req) => ops.ruleJson(await ops.updateRule(store, { id: req.params.id }, req.body)),
  );

  app.delete<ById>(
    '/api/v1/rules/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a rule; its open instances end without notices at the next check',
        params,
        response: { 204: { description: 'deleted', type: 'null' }, ...errorResponses([404]) },
      },
    },
    async (req, reply) => {
      await ops.removeRule(store, { id: req.params.id });
      return reply.code(204).send();
    },
  );
};
