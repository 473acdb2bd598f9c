/**
 * What every kind of the registry sends, in every locale (issue 15 point 4): the request for one notice with a line
 * of every kind (offline, metric, reboot, back, resolved) and "... and 2 more", built by each kind's pure builder,
 * as file snapshots in __snapshots__/<kind>.<locale>.json (or .txt). Beside the snapshots: no English word of the
 * catalogue left in a Chinese message, no broken character, lineBody() stripping every label in every locale, and a
 * channel template's title and body taking the place of the default ones within every kind's vendor limits.
 */
import { expect, test } from 'vitest';
import { appriseBody, APPRISE_BODY_LIMIT } from '../../src/channels/apprise.js';
import { BARK_BODY_LIMIT, barkPayload } from '../../src/channels/bark.js';
import { dingtalkBody, DINGTALK_TEXT_LIMIT } from '../../src/channels/dingtalk.js';
import { discordMessage } from '../../src/channels/discord.js';
import { FEISHU_BODY_LIMIT, feishuPost } from '../../src/channels/feishu.js';
import { carriedLines, lineBody, lineLabel, lineText, utf8Bytes } from '../../src/channels/format.js';
import { gotifyBody, GOTIFY_MESSAGE_LIMIT } from '../../src/channels/gotify.js';
import { mailtoMessage } from '../../src/channels/mailto.js';
import { matrixContent, MATRIX_LIMIT } from '../../src/channels/matrix.js';
import { ntfyBody, NTFY_MESSAGE_LIMIT } from '../../src/channels/ntfy.js';
import { pushoverForm, PUSHOVER_MESSAGE_LIMIT, PUSHOVER_TITLE_LIMIT } from '../../src/channels/pushover.js';
import { pushplusBody, PUSHPLUS_CONTENT_LIMIT } from '../../src/channels/pushplus.js';
import { KINDS, parseChannelUrl } from '../../src/channels/registry.js';
import { serverchanForm, SERVERCHAN_DESP_LIMIT } from '../../src/channels/serverchan.js';
import { slackMessage } from '../../src/channels/slack.js';
import { teamsMessage, TEAMS_LIMIT } from '../../src/channels/teams.js';
import { TELEGRAM_LIMIT, telegramText } from '../../src/channels/telegram.js';
import type { Notice } from '../../src/channels/types.js';
import { webhookBody, WEBHOOK_BODY_LIMIT } from '../../src/channels/webhook.js';
import { wecomMessage, WECOM_CONTENT_LIMIT } from '../../src/channels/wecom.js';
import { catalogue, LOCALES } from '../../src/messages/catalog.js';
import { conditionNotice } from './support.js';

const config = (url: string): any => parseChannelUrl(url).config;

/** No half of a surrogate pair on its own: what a cut in the middle of a character would leave. */
const wellFormed = (s: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Each kind's request for a notice: what its send() posts, from the kind's own pure builder. */
const REQUESTS: Record<string, { url: string; ext: 'json' | 'txt'; request: (c: any, n: Notice) => unknown }> = {
  webhook: { url: 'webhook+https://hooks.example.com/hostwatch', ext: 'json', request: (_c, n) => JSON.parse(webhookBody(n)) },
  apprise: { url: 'apprise+https://apprise.example.com/notify/hostwatch', ext: 'json', request: appriseBody },
  ntfy: { url: 'ntfy+https://ntfy.sh/hostwatch', ext: 'json', request: ntfyBody },
  gotify: { url: 'gotify+https://gotify.example.com/?token=AbCdEf123456789', ext: 'json', request: gotifyBody },
  mailto: { url: 'mailto:ops@example.com', ext: 'txt', request: (_c, n) => mailText(n) },
  slack: { url: 'slack+https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/x9Lq2Vw7Rt4Zp8Ks1Nd3Hf6J', ext: 'json', request: (_c, n) => slackMessage(n) },
  discord: { url: 'discord+https://discord.com/api/webhooks/123456789012345678/AbCdEf-ghIJ_kl', ext: 'json', request: (_c, n) => discordMessage(n) },
  teams: { url: 'teams+https://example.logic.azure.com/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=1&sig=AbCdEfGhIjKlMnOpQr', ext: 'json', request: (_c, n) => teamsMessage(n) },
  telegram: { url: 'telegram+https://api.telegram.org/?token=123456:AbC-dEf_123&chat=-1001234567890', ext: 'txt', request: (_c, n) => telegramText(n) },
  matrix: { url: 'matrix+https://matrix.example.org/?token=syt_abcdef&room=!abcdef:example.org', ext: 'json', request: (_c, n) => matrixContent(n) },
  pushover: { url: `pushover+https://api.pushover.net/?token=${'a1'.repeat(15)}&user=${'u2'.repeat(15)}`, ext: 'json', request: (c, n) => Object.fromEntries(pushoverForm(c, n)) },
  dingtalk: { url: 'dingtalk://TOKEN123', ext: 'json', request: (_c, n) => dingtalkBody(n) },
  wecom: { url: 'wecom://KEY123', ext: 'json', request: (_c, n) => wecomMessage(n) },
  feishu: { url: 'feishu://TOKEN123', ext: 'json', request: (_c, n) => feishuPost(n, 'zh_cn') },
  lark: { url: 'lark://TOKEN123', ext: 'json', request: (_c, n) => feishuPost(n, 'en_us') },
  bark: { url: 'bark://DEVICEKEY123', ext: 'json', request: barkPayload },
  serverchan: { url: 'serverchan://SCT123456TabcdEF', ext: 'json', request: (c, n) => Object.fromEntries(serverchanForm(c, n)) },
  pushplus: { url: 'pushplus://TOKEN123', ext: 'json', request: pushplusBody },
};

function mailText(n: Notice): string {
  const m = mailtoMessage(n);
  return `Subject: ${m.subject}\n\n${m.text}\n`;
}

/**
 * conditionNotice() (a line of every kind) in `locale`, with two lines of the run it does not carry and the offline
 * line's acknowledge link (PUBLIC_URL set).
 */
function sample(locale: string): Notice {
  const n = conditionNotice();
  const offline = n.offline.map((l) => (l.kind === 'offline' ? { ...l, ackUrl: 'https://hw.example.com/ack/AbC-dEf_123' } : l));
  return { ...n, offline, offlineTotal: 6, conditionTotal: 4, locale };
}

function requestOf(kind: string, n: Notice): unknown {
  const k = REQUESTS[kind]!;
  return k.request(config(k.url), n);
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** The words people read in a request (a webhook's data fields, `kind: "offline"` and the like, are not). */
function readText(kind: string, request: unknown): string {
  if (kind === 'webhook') {
    const b = request as { title: string; text: string; lines: { text: string }[] };
    return [b.title, b.text, ...b.lines.map((l) => l.text)].join('\n');
  }
  return strings(request).join('\n');
}

/** Words of three letters or more in the English catalogue's messages that the Chinese one does not use too. */
function englishWords(): string[] {
  const words = (texts: string[]) => new Set(texts.flatMap((t) => t.replace(/\{[a-z]+\}|\{[a-z]+, plural,|\b(one|other)\s*\{/g, ' ').match(/[A-Za-z]{3,}/g) ?? []).map((w) => w.toLowerCase()));
  const en = words(Object.entries(catalogue('en')).filter(([k]) => k !== 'name' && !k.startsWith('html.')).map(([, v]) => v));
  const zh = words(Object.values(catalogue('zh-CN')));
  return [...en].filter((w) => !zh.has(w));
}

test('every kind of the registry has a request builder here', () => {
  expect(Object.keys(REQUESTS).sort()).toEqual(KINDS.map((k) => k.kind).sort());
});

test.each(KINDS.map((k) => k.kind))('%s: the request in every locale, as a file snapshot', async (kind) => {
  for (const locale of LOCALES) {
    const request = requestOf(kind, sample(locale));
    const text = typeof request === 'string' ? request : `${JSON.stringify(request, null, 2)}\n`;
    await expect(text).toMatchFileSnapshot(`./__snapshots__/${kind}.${locale}.${REQUESTS[kind]!.ext}`);
    // Whole characters only, wherever a kind cut a title or a line.
    for (const s of strings(request)) {
      expect(wellFormed(s), `${kind} ${locale}`).toBe(true);
      expect(s).not.toContain('\ufffd');
      expect(Buffer.from(s, 'utf8').toString('utf8')).toBe(s);
    }
  }
});

test('Chinese requests carry no English word of the catalogue; English ones carry each label', () => {
  const words = englishWords();
  expect(words).toEqual(expect.arrayContaining(['offline', 'back', 'online', 'restarted', 'peak', 'more', 'acknowledge']));
  for (const { kind } of KINDS) {
    const zh = readText(kind, requestOf(kind, sample('zh-CN')));
    expect(words.filter((w) => new RegExp(`\\b${w}\\b`, 'i').test(zh)), kind).toEqual([]);
    expect(zh, kind).toMatch(/另有 2 条/);
    const en = readText(kind, requestOf(kind, sample('en')));
    for (const label of ['OFFLINE', 'DISK', 'CPU', 'REBOOT', 'BACK', 'RESOLVED']) expect(en, kind).toContain(label);
    expect(en, kind).toContain('... and 2 more');
  }
});

test('lineBody strips the label of every line kind in every locale, acknowledge link kept', () => {
  const n = conditionNotice();
  const lines = carriedLines(n).map((l, i) => (i === 0 ? { ...l, ackUrl: 'https://hw.example.com/ack/x' } : l));
  for (const locale of LOCALES) {
    for (const line of lines) {
      const text = lineText(line, n.timezone, locale);
      const label = lineLabel(line, locale);
      expect(text.startsWith(`${label} `), `${locale} ${text}`).toBe(true);
      const body = lineBody(text);
      expect(body).toBe(text.slice(label.length).trimStart());
      expect(body.startsWith(locale === 'en' ? line.name : `节点 ${line.name}`), body).toBe(true);
    }
  }
  expect(lineText(lines[0]!, 'UTC', 'zh-CN')).toMatch(/\n {2}确认告警：https:\/\/hw\.example\.com\/ack\/x$/);
});

/** A template's body of 64 KiB that escapes badly everywhere: CJK (3 bytes), `<`, `&`, `"`, newlines. */
const BODY = `模板正文 ${'节点<离线>&"\n'.repeat(4000)}`.slice(0, 34_000);
const TITLE = `自定义标题 ${'告警&<>'.repeat(60)}`;
const chars = (s: string) => [...s].length;
const json = (v: unknown) => utf8Bytes(JSON.stringify(v));
const goJson = (s: string) => utf8Bytes(JSON.stringify(s)) - 2 + 5 * (s.match(/[<>&]/g)?.length ?? 0);

/** [what, its size, the vendor's limit] for each kind's request. */
function sizes(kind: string, r: any): [string, number, number][] {
  switch (kind) {
    case 'webhook':
      return [['body', json(r), WEBHOOK_BODY_LIMIT]];
    case 'apprise':
      return [['body', utf8Bytes(r.body), APPRISE_BODY_LIMIT]];
    case 'ntfy':
      return [['message', utf8Bytes(r.message), NTFY_MESSAGE_LIMIT]];
    case 'gotify':
      return [['message', utf8Bytes(r.message), GOTIFY_MESSAGE_LIMIT]];
    case 'mailto':
      return [['text', utf8Bytes(r), 1_000_000]];
    case 'slack':
      return [
        ['text', chars(r.text), 4000],
        ['header', chars(r.blocks[0].text.text), 150],
        ...r.blocks.slice(1).map((b: any, i: number): [string, number, number] => [`block ${i}`, chars(b.text?.text ?? b.elements[0].text), 3000]),
      ];
    case 'discord':
      return [
        ['content', chars(r.content), 2000],
        ['embed title', chars(r.embeds[0].title), 256],
        ['embed footer', chars(r.embeds[0].footer.text), 2048],
        ['embed', chars(r.embeds[0].title) + chars(r.embeds[0].description ?? '') + chars(r.embeds[0].footer.text), 6000],
      ];
    case 'teams':
      return [['body', json(r), TEAMS_LIMIT]];
    case 'telegram':
      return [['text', utf8Bytes(r), TELEGRAM_LIMIT]];
    case 'matrix':
      return [['content', json(r), MATRIX_LIMIT]];
    case 'pushover':
      return [
        ['message', utf8Bytes(r.message), PUSHOVER_MESSAGE_LIMIT],
        ['title', utf8Bytes(r.title), PUSHOVER_TITLE_LIMIT],
      ];
    case 'dingtalk':
      return [['text', utf8Bytes(r.markdown.text), DINGTALK_TEXT_LIMIT]];
    case 'wecom':
      return [['content', utf8Bytes(r.markdown.content), WECOM_CONTENT_LIMIT]];
    case 'feishu':
    case 'lark':
      return [['body', json(r) + 100, FEISHU_BODY_LIMIT]];
    case 'bark':
      return [
        ['body', goJson(r.body), BARK_BODY_LIMIT],
        ['payload', goJson(r.title) + goJson(r.body), 4096 - 200],
      ];
    case 'serverchan':
      return [
        ['desp', utf8Bytes(r.desp), SERVERCHAN_DESP_LIMIT],
        ['title', chars(r.title), 32],
        ['short', chars(r.short), 64],
      ];
    case 'pushplus':
      return [
        ['content', utf8Bytes(r.content), PUSHPLUS_CONTENT_LIMIT],
        ['title', chars(r.title), 100],
      ];
    default:
      throw new Error(`no limits for ${kind}`);
  }
}

test("a channel template's title and body replace the defaults, cut within every kind's vendor limits", () => {
  expect(utf8Bytes(BODY)).toBeGreaterThan(60_000);
  for (const { kind } of KINDS) {
    const n: Notice = { ...sample('zh-CN'), custom: { title: TITLE, body: BODY } };
    const r = requestOf(kind, n);
    for (const [what, size, limit] of sizes(kind, r)) expect(size, `${kind} ${what}`).toBeLessThanOrEqual(limit);
    const text = readText(kind, r);
    // The template's words, not the default ones (a webhook keeps its lines as data, worded by default).
    expect(text, kind).toContain('自定义标题');
    expect(text, kind).toContain('模板正文');
    if (kind !== 'webhook') expect(text, kind).not.toMatch(/节点 web-1：|另有 2 条/);
    for (const s of strings(r)) expect(wellFormed(s), kind).toBe(true);
    // A short body is sent whole.
    const short = readText(kind, requestOf(kind, { ...sample('en'), custom: { body: 'all quiet: 节点 ok' } }));
    expect(short, kind).toContain('all quiet: 节点 ok');
  }
});
