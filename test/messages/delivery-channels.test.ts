/**
 * A channel's locale and template through the edges, on a fresh FerretDB database: `hostwatch channels add|update|show`
 * as real processes and the management API in process (answers checked against its OpenAPI document). A bad template
 * is refused naming the part and the line, an unknown locale naming `locale`, and nothing is stored; `schedule
 * create --locale` refuses a locale with no catalogue before reaching Temporal.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { BSON } from 'mongodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { checkInputFromFlags } from '../../src/cli/parse.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from '../api/manage-support.js';
import { loopback } from '../channels/support.js';
import { hostwatchCli, expectOk as ok, expectUsage as usage } from '../support/cli.js';

const BAD_BODY = 'a\nb\n{{ lines | nope }}';
const BAD = 'template.body line 3: undefined filter: nope';

let f: ManageFixture;
let store: ChannelStore;
let conforms: (method: string, path: string, res: LightMyRequestResponse) => void;
let env: Record<string, string>;

beforeAll(async () => {
  f = await manageFixture();
  store = new ChannelStore(f.mongo.db);
  conforms = await documentChecker(f.app);
  env = { MONGODB_URI: inject('mongoUri'), MONGODB_DB: f.mongo.db.databaseName, SMTP_URL: 'smtp://127.0.0.1:1', ALERT_FROM: 'hostwatch <a@example.com>' };
});
afterAll(async () => {
  await f?.close();
});

const cli = (...args: string[]) => hostwatchCli(['channels', ...args], env);
const state = async () => BSON.EJSON.stringify(await store.collection.find({}).sort({ _id: 1 }).toArray(), { relaxed: false });

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<LightMyRequestResponse> {
  const res = await f.app.inject({ method, url, headers: JSON_AUTH, ...(body !== undefined && { payload: JSON.stringify(body) }) });
  conforms(method, url.startsWith('/api/v1/channels/') ? '/api/v1/channels/{name}' : '/api/v1/channels', res);
  return res;
}

test('CLI: a bad template or locale is refused with the part and the line, nothing stored; a good one is stored, merged on update and shown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hw-tpl-'));
  writeFileSync(join(dir, 'bad.liquid'), BAD_BODY);
  writeFileSync(join(dir, 'body.liquid'), '{% for l in alerts %}{{ l.label }} {{ l.host }}\n{% endfor %}{{ footer }}');

  const [inline, file, locale, schedule] = await Promise.all([
    cli('add', 'chat', 'mailto:chat@example.com', '--template-body', BAD_BODY),
    cli('add', 'chat', 'mailto:chat@example.com', '--template-body-file', join(dir, 'bad.liquid')),
    cli('add', 'chat', 'mailto:chat@example.com', '--locale', 'fr'),
    hostwatchCli(['schedule', 'create', '--recipients', 'a@example.com', '--locale', 'fr'], env),
  ]);
  usage(inline, BAD);
  usage(file, BAD);
  usage(locale, 'locale: has no catalogue "fr" (known: en, zh-CN)');
  usage(schedule, '--locale: has no catalogue "fr" (known: en, zh-CN)');
  expect(await store.collection.countDocuments()).toBe(0);

  expect(ok(await cli('add', 'chat', 'mailto:chat@example.com', '--locale', 'zh-CN', '--template-title', '{{ title }}', '--template-body-file', join(dir, 'body.liquid')))).toBe(
    'added channel "chat" (mailto, 1 destination): mailto:chat@example.com; locale zh-CN, template: title and body\n',
  );
  const before = await state();
  usage(await cli('update', 'chat', '--template-title', '{{ nope }}'), 'template.title line 1: undefined variable: nope');
  expect(await state()).toBe(before);

  // A part given replaces that part only; --locale "" drops the channel's locale.
  ok(await cli('update', 'chat', '--template-title', 'Alert {{ counts.lines }}', '--locale', ''));
  const stored = await store.get('chat');
  expect(stored).toMatchObject({ template: { title: 'Alert {{ counts.lines }}', body: expect.stringContaining('{% for l in alerts %}') } });
  expect(stored).not.toHaveProperty('locale');
  expect(ok(await cli('show', 'chat'))).toBe(
    [
      'name:          chat',
      'kind:          mailto',
      'destinations:  1',
      'url:           mailto:chat@example.com',
      "locale:        (the schedule's)",
      'template:',
      '  title:',
      '    Alert {{ counts.lines }}',
      '  body:',
      '    {% for l in alerts %}{{ l.label }} {{ l.host }}',
      '    {% endfor %}{{ footer }}',
      '',
    ].join('\n'),
  );
  ok(await cli('update', 'chat', '--clear-template'));
  expect(await store.get('chat')).not.toHaveProperty('template');
  usage(await cli('update', 'chat'), 'nothing to change: give a URL, --locale or a --template flag (see --help)');
});

test('API: locale and template are taken, answered and removed; a bad template is a 400 naming template.body and the line, nothing changed', async () => {
  const created = await call('POST', '/api/v1/channels', { name: 'hook', url: 'webhook+https://hooks.example.com/x', locale: 'zh-CN', template: { title: '{{ title }}' } });
  expect(created.statusCode).toBe(201);
  expect(created.json()).toMatchObject({ name: 'hook', locale: 'zh-CN', template: { title: '{{ title }}' } });

  const before = await state();
  const refusals: [method: 'POST' | 'PATCH', url: string, body: unknown, answer: Record<string, unknown>][] = [
    ['POST', '/api/v1/channels', { name: 'hook2', url: 'mailto:a@example.com', template: { body: BAD_BODY } }, { error: 'invalid', field: 'template.body', message: BAD }],
    ['PATCH', '/api/v1/channels/hook', { template: { body: BAD_BODY } }, { error: 'invalid', field: 'template.body', message: BAD }],
    ['PATCH', '/api/v1/channels/hook', { locale: 'fr' }, { error: 'invalid', field: 'locale', message: 'locale: has no catalogue "fr" (known: en, zh-CN)' }],
    ['PATCH', '/api/v1/channels/hook', { template: { title: '{{ title | nope }}', body: 'x' } }, { error: 'invalid', field: 'template.title', message: 'template.title line 1: undefined filter: nope' }],
  ];
  for (const [method, url, body, answer] of refusals) {
    const res = await call(method, url, body);
    expect(res.statusCode, JSON.stringify(body)).toBe(400);
    expect(res.json()).toMatchObject(answer);
  }
  expect(await state()).toBe(before);

  const patched = await call('PATCH', '/api/v1/channels/hook', { locale: null, template: { body: '{{ footer }}' } });
  expect(patched.statusCode).toBe(200);
  expect(patched.json()).toMatchObject({ template: { body: '{{ footer }}' } });
  expect(patched.json()).not.toHaveProperty('locale');
  const read = (await call('GET', '/api/v1/channels/hook')).json();
  expect(read.template).toEqual({ body: '{{ footer }}' });
  expect((await call('PATCH', '/api/v1/channels/hook', { template: null })).json()).not.toHaveProperty('template');
});

test('schedule flags: --locale zh-CN goes into the check input, --locale "" on update drops it', () => {
  const input = checkInputFromFlags({ recipients: 'a@example.com', locale: 'zh-CN' });
  expect(input).toEqual({ recipients: ['a@example.com'], locale: 'zh-CN' });
  expect(checkInputFromFlags({ locale: '' }, input)).toEqual({ recipients: ['a@example.com'] });
  expect(checkInputFromFlags({ steps: '1,10' }, input)).toMatchObject({ locale: 'zh-CN' }); // kept when not named
});

test('channels test sends in the channel\'s locale through its template; a broken stored template falls back with a warning', async () => {
  const hook = await loopback();
  try {
    await call('POST', '/api/v1/channels', { name: 'probe', url: `webhook+${hook.base}/probe`, locale: 'zh-CN', template: { title: '{{ title }} ({{ locale }})' } });
    const out = ok(await cli('test', 'probe'));
    expect(out).toBe('ok  probe\n');
    expect(hook.requests[0]!.json).toMatchObject({ title: expect.stringMatching(/^\[hostwatch\] 测试通知（.*） \(zh-CN\)$/), text: '这是来自 hostwatch 的测试通知：此通知渠道配置正确。' });

    await store.collection.updateOne({ name: 'probe' }, { $set: { template: { title: '{{ title | nope }}' } } });
    expect(ok(await cli('test', 'probe'))).toBe("warning: the channel's template did not render (undefined filter: nope): the default message was sent\nok  probe\n");
    expect(hook.requests[1]!.json.title).toMatch(/^\[hostwatch\] 测试通知（/);
  } finally {
    await hook.close();
  }
});
