/**
 * Every HTTP channel kind with metric-rule, reboot and resolved lines (mailto: mailto.test.ts): each line with its
 * label (DISK, CPU, REBOOT, RESOLVED) and details in the kind's own markup, the title and totals counting alerts
 * and resolved rules, a mount name escaped where the markup needs it, the cut of 5000 rule lines within the
 * vendor's documented limits, and the kinds that pick a colour or priority treating rules as alarms.
 */
import { afterEach, expect, test } from 'vitest';
import { DISCORD_GREEN, DISCORD_RED } from '../../src/channels/discord.js';
import { KINDS } from '../../src/channels/registry.js';
import type { Notice } from '../../src/channels/types.js';
import { CONDITION_FOOTER, CONDITION_LINES, CONDITION_TITLE, conditionNotice, loopback, manyMetricLines, send, type Answer, type Loopback, type Recorded } from './support.js';

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

const MOUNT = '/srv/<a>_*b*';
const NAME = 'web_<3>&*x*';

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const md = (s: string) => s.replace(/[\\`*_[\]<>~|]/g, (c) => `\\${c}`);

/** How a kind writes a line, from its label, the text after it and the whole plain line. */
const STYLES = {
  plain: (_l: string, _b: string, plain: string) => plain,
  slackText: (_l: string, _b: string, plain: string) => html(plain),
  slack: (l: string, b: string) => `*${l}* ${html(b)}`,
  markdown: (l: string, b: string) => `**${l}** ${md(b)}`,
  // Adaptive Card text: Teams clients disagree on backslash escapes (some show the backslash), so names go in as they are.
  teams: (l: string, b: string) => `**${l}** ${b}`,
  html: (l: string, b: string) => `<b>${l}</b> ${html(b)}`,
  list: (l: string, b: string) => `- **${l}** ${md(b)}`,
  wecom: (l: string, b: string) => `<font color="${l === 'BACK' || l === 'RESOLVED' ? 'info' : 'warning'}">${l}</font> ${md(b)}`,
};
type Style = keyof typeof STYLES;

function styled(style: Style, plain: string): string {
  const [, label, body] = /^(\S+)\s+(.*)$/.exec(plain)!;
  return STYLES[style](label!, body!, plain);
}
const moreLine = (style: Style, count: number) => `${style === 'list' ? '- ' : ''}... and ${count} more`;

/** One form of the notice in a request: its title, its lines (with any "... and N more") and its totals sentence. */
type View = { title: string; lines: string[]; footer: string; style: Style };

/** `head` lines, the lines, a blank line and the totals: the shape of every text form. */
function split(text: string, head: number, sep = '\n'): { head: string[]; lines: string[]; footer: string } {
  const parts = text.split(sep);
  expect(parts.at(-2)).toBe('');
  return { head: parts.slice(0, head), lines: parts.slice(head, -2), footer: parts.at(-1)! };
}
/** `s` without `before` and `after`, which it must have. */
function unwrap(s: string | undefined, before: string, after = ''): string {
  expect(s?.startsWith(before) && s.endsWith(after)).toBe(true);
  return s!.slice(before.length, s!.length - after.length);
}
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const chars = (s: string) => [...s].length;
/** The text form after a title of `head` lines (`title`, `''`), the title unwrapped from its markup. */
function textView(text: string, style: Style, head: number, wrap: [string, string?] = ['']): View {
  const { head: top, lines, footer } = split(text, head);
  if (head === 2) expect(top[1]).toBe('');
  return { title: unwrap(top[0], ...wrap), lines, footer, style };
}

interface Case {
  url: (base: string) => string;
  answer?: Answer;
  views: (r: Recorded) => View[];
  /** Asserts the request is within the vendor's documented limits. */
  limits: (r: Recorded) => void;
  /** Characters the title may have (the vendor's limit; it is cut with "…" beyond). */
  titleChars?: number;
}

function titleOf(kind: string, title: string): string {
  const max = CASES[kind]!.titleChars ?? Infinity;
  return chars(title) <= max ? title : `${[...title].slice(0, max - 1).join('')}…`;
}

const form = (r: Recorded) => new URLSearchParams(r.body);
const SLACK = '/services/T01ABCDEF/B02GHIJKL/x9Lq2Vw7Rt4Zp8Ks1Nd3Hf6J';
const TEAMS = '/powerautomate/automations/direct/workflows/3f2b9c41d7e84a6b9e0c5d1f2a3b4c5d/triggers/manual/paths/invoke?api-version=1&sig=Xy7kQ2mP9rT4wZ1vB8nL5cJ3hF6dS0aG2eU9iO4uT7y';
const feishuCase = (kind: string, language: string): Case => ({
  url: (b) => `${kind}+${b}/open-apis/bot/v2/hook/0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e`,
  answer: { status: 200, body: { code: 0, msg: 'success', data: {} } },
  views: (r) => {
    const post = r.json.content.post[language];
    const paragraphs = (post.content as { tag: string; text: string }[][]).map((p) => p.map((e) => e.text).join(''));
    return [{ title: post.title, lines: paragraphs.slice(0, -1), footer: paragraphs.at(-1)!, style: 'plain' }];
  },
  limits: (r) => expect(bytes(r.body)).toBeLessThanOrEqual(20_000),
});
/** JSON as bark-server (Go) writes it: <, > and & as 6-byte escapes. */
const goJson = (v: unknown) => JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

const CASES: Record<string, Case> = {
  webhook: {
    url: (b) => `webhook+${b}/in?secret=whsec-7Qk2pLx9Zr`,
    views: (r) => [{ title: r.json.title, ...split(r.json.text, 0), style: 'plain' }],
    limits: (r) => {
      expect(bytes(r.body)).toBeLessThanOrEqual(256 * 1024);
      expect(r.json.more).toBe(5000 - r.json.lines.length);
      expect(r.json.counts).toEqual({ offline: 0, recovered: 0, alerts: 5000, resolved: 0 });
    },
  },
  apprise: {
    url: (b) => `apprise+${b}/notify/hw-3f9c2a71b0`,
    views: (r) => [{ title: r.json.title, ...split(r.json.body, 0), style: 'plain' }],
    limits: (r) => expect(bytes(r.json.body)).toBeLessThanOrEqual(32 * 1024),
  },
  ntfy: {
    url: (b) => `ntfy+${b}/hw-alerts-7f3kq9?token=tk_h7Wm2xQpL9vRt4nZc8yKd3sFj6Ub1`,
    answer: { status: 200, body: { id: 'sPs9hG2kXb', event: 'message' } },
    views: (r) => [{ title: r.json.title, ...split(r.json.message, 0), style: 'plain' }],
    limits: (r) => expect(bytes(r.json.message)).toBeLessThanOrEqual(4096),
  },
  gotify: {
    url: (b) => `gotify+${b}/?token=AKq3vN8x.Zp_2wL`,
    answer: { status: 200, body: { id: 25, appid: 5 } },
    views: (r) => [{ title: r.json.title, ...split(r.json.message, 0), style: 'plain' }],
    limits: (r) => expect(bytes(r.json.message)).toBeLessThanOrEqual(32 * 1024),
  },
  slack: {
    url: (b) => `slack+${b}${SLACK}`,
    answer: { status: 200, body: 'ok' },
    views: (r) => {
      const blocks = r.json.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
      const md = blocks.filter((b) => b.type === 'section').map((b) => b.text!.text).join('\n');
      return [
        { title: blocks[0]!.text!.text, lines: md.split('\n'), footer: blocks.at(-1)!.elements![0]!.text, style: 'slack' },
        textView(r.json.text, 'slackText', 2),
      ];
    },
    limits: (r) => {
      expect(r.json.text.length).toBeLessThanOrEqual(4000);
      expect(r.json.blocks.length).toBeLessThanOrEqual(50);
      for (const b of r.json.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
      expect(r.json.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    },
  },
  discord: {
    url: (b) => `discord+${b}/api/webhooks/1187654321098765432/kV3xQ9mZ-2pL_7tRw5YbN8cJ4fH6dS1aG0eU3iO9uT2yR5wE8qA7zX`,
    views: (r) => {
      const e = r.json.embeds[0];
      expect(r.json.content).toBe(e.title);
      return [{ title: e.title, lines: e.description.split('\n'), footer: e.footer.text, style: 'markdown' }];
    },
    limits: (r) => {
      const e = r.json.embeds[0];
      expect(r.json.content.length).toBeLessThanOrEqual(2000);
      expect(e.title.length).toBeLessThanOrEqual(256);
      expect(e.description.length).toBeLessThanOrEqual(4096);
      expect(e.title.length + e.description.length + e.footer.text.length).toBeLessThanOrEqual(6000);
    },
  },
  teams: {
    url: (b) => `teams+${b}${TEAMS}`,
    answer: { status: 202 },
    views: (r) => {
      const body = (r.json.attachments[0].content.body as { text: string }[]).map((t) => t.text);
      return [{ title: body[0]!, lines: body.slice(1, -1), footer: body.at(-1)!, style: 'teams' }];
    },
    limits: (r) => expect(bytes(r.body)).toBeLessThanOrEqual(28 * 1024),
  },
  telegram: {
    url: (b) => `telegram+${b}/?token=${encodeURIComponent('7012345678:AAHk9xQ2mZpL7tRw5YbN8cJ4fH6dS1aG0eU')}&chat=-1001234567890`,
    answer: { status: 200, body: { ok: true, result: { message_id: 42 } } },
    views: (r) => [textView(r.json.text, 'html', 2, ['<b>', '</b>'])],
    limits: (r) => expect(bytes(r.json.text)).toBeLessThanOrEqual(4096),
  },
  matrix: {
    url: (b) => `matrix+${b}/?token=syt_aG9zdHdhdGNo_kV3xQ9mZ2pL7tRw5YbN8_1a2B3c&room=${encodeURIComponent('!xKqPzVbRnTmLwYcD:example.org')}`,
    answer: { status: 200, body: { event_id: '$event1' } },
    views: (r) => {
      const { head, lines, footer } = split(r.json.formatted_body, 2, '<br>');
      return [textView(r.json.body, 'plain', 2), { title: unwrap(head[0], '<b>', '</b>'), lines, footer, style: 'html' }];
    },
    limits: (r) => expect(bytes(r.body)).toBeLessThanOrEqual(65_536),
  },
  pushover: {
    url: (b) => `pushover+${b}/?token=azGDORePK8gMaC0QOYAMyEEuzJnyUi&user=uQiRzpo4DXghDmr9QzzfQu27cmVRsG`,
    answer: { status: 200, body: { status: 1, request: 'e2a5b6c0' } },
    views: (r) => [{ title: form(r).get('title')!, ...split(form(r).get('message')!, 0), style: 'plain' }],
    limits: (r) => {
      expect(chars(form(r).get('message')!)).toBeLessThanOrEqual(1024);
      expect(chars(form(r).get('title')!)).toBeLessThanOrEqual(250);
    },
  },
  dingtalk: {
    url: (b) => `dingtalk+${b}/robot/send?access_token=3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e`,
    answer: { status: 200, body: { errcode: 0, errmsg: 'ok' } },
    views: (r) => {
      const view = textView(r.json.markdown.text, 'list', 2, ['#### ']);
      expect(r.json.markdown.title).toBe(view.title);
      return [view];
    },
    limits: (r) => expect(bytes(r.json.markdown.text)).toBeLessThanOrEqual(20_000),
  },
  wecom: {
    url: (b) => `wecom+${b}/cgi-bin/webhook/send?key=693a91f6-7b2c-4bc4-97a0-0ec2a1fa5aaa`,
    answer: { status: 200, body: { errcode: 0, errmsg: 'ok' } },
    views: (r) => [textView(r.json.markdown.content, 'wecom', 1, ['**', '**'])],
    limits: (r) => expect(bytes(r.json.markdown.content)).toBeLessThanOrEqual(4096),
  },
  feishu: feishuCase('feishu', 'zh_cn'),
  lark: feishuCase('lark', 'en_us'),
  bark: {
    url: (b) => `bark+${b}/ynJ5Ft4atkMkWeo2PAvFhF`,
    answer: { status: 200, body: { code: 200, message: 'success' } },
    views: (r) => [{ title: r.json.title, ...split(r.json.body, 0), style: 'plain' }],
    limits: (r) => {
      const { title, body, ...ext } = r.json;
      delete ext.device_key;
      expect(bytes(goJson(body)) - 2).toBeLessThanOrEqual(3000);
      expect(bytes(goJson({ aps: { alert: { title, body }, sound: '1107.caf', category: 'myNotificationCategory', 'mutable-content': 1 }, ...ext }))).toBeLessThanOrEqual(4096);
    },
  },
  serverchan: {
    url: (b) => `serverchan+${b}/SCT246810TqZx7Lm3Np9Rs5Vw1Yb4Cd8Fg.send`,
    answer: { status: 200, body: { code: 0, message: '', data: { pushid: '1' } } },
    views: (r) => {
      const view = textView(form(r).get('desp')!, 'list', 2, ['## ']);
      // Its own title field holds 32 characters: the start of the title.
      expect(view.title.startsWith(form(r).get('title')!.replace(/…$/, ''))).toBe(true);
      expect(form(r).get('short')).toBe(view.footer);
      return [view];
    },
    limits: (r) => {
      expect(bytes(form(r).get('desp')!)).toBeLessThanOrEqual(32_000);
      expect(chars(form(r).get('title')!)).toBeLessThanOrEqual(32);
      expect(chars(form(r).get('short')!)).toBeLessThanOrEqual(64);
    },
  },
  pushplus: {
    url: (b) => `pushplus+${b}/send?token=be8652e98bd04139a13e1bffcd6d0f71`,
    answer: { status: 200, body: { code: 200, msg: '请求成功', data: 'f0d1' } },
    views: (r) => [{ title: r.json.title, ...split(r.json.content, 0), style: 'list' }],
    limits: (r) => {
      expect(bytes(r.json.content)).toBeLessThanOrEqual(20_000);
      expect(chars(r.json.title)).toBeLessThanOrEqual(100);
    },
    titleChars: 100,
  },
};

/** Sends `notice` through `kind`'s loopback receiver and returns the one request it made. */
async function request(kind: string, notice: Notice): Promise<Recorded> {
  const c = CASES[kind]!;
  await lb?.close();
  lb = await loopback(() => c.answer ?? { status: 200, body: {} });
  await send(c.url(lb.base), notice);
  expect(lb.requests).toHaveLength(1);
  return lb.requests[0]!;
}

test('every kind but mailto is covered here (mailto: mailto.test.ts)', () => {
  expect(Object.keys(CASES).sort()).toEqual(KINDS.map((k) => k.kind).filter((k) => k !== 'mailto').sort());
});

test('the markups escape as the kinds document', () => {
  expect(html(MOUNT)).toBe('/srv/&lt;a&gt;_*b*');
  expect(md(MOUNT)).toBe('/srv/\\<a\\>\\_\\*b\\*');
  expect(styled('list', CONDITION_LINES[1]!)).toBe('- **DISK** web-2 /var: 93 % (above 90 %) for 12 minutes, since 2026-11-23 04:48:00 +01:00');
});

for (const kind of Object.keys(CASES)) {
  test(`${kind}: every line with its label and details, the title and totals counting alerts and resolved rules`, async () => {
    const r = await request(kind, conditionNotice());
    for (const view of CASES[kind]!.views(r)) {
      expect(view.title).toBe(titleOf(kind, CONDITION_TITLE));
      expect(view.lines).toEqual(CONDITION_LINES.map((p) => styled(view.style, p)));
      expect(view.footer).toBe(CONDITION_FOOTER);
    }
  });

  test(`${kind}: a mount and a host name full of markup characters are shown as text`, async () => {
    const r = await request(kind, conditionNotice({ mount: MOUNT, name: NAME }));
    for (const view of CASES[kind]!.views(r)) {
      expect(view.lines[1]).toBe(styled(view.style, CONDITION_LINES[1]!.replace('/var', MOUNT)));
      expect(view.lines[5]).toBe(styled(view.style, CONDITION_LINES[5]!.replace('web-3', NAME)));
    }
  });

  test(`${kind}: 5000 rule lines stay within the vendor's limits, most severe first, with the exact rest`, async () => {
    const r = await request(kind, manyMetricLines(5000));
    CASES[kind]!.limits(r);
    for (const view of CASES[kind]!.views(r)) {
      const shown = view.lines.length - 1;
      expect(shown).toBeGreaterThan(3);
      expect(view.lines.at(-1)).toBe(moreLine(view.style, 5000 - shown));
      view.lines.slice(0, -1).forEach((line, i) => expect(line.startsWith(styled(view.style, `DISK  web-${i + 1} /var: `))).toBe(true));
      expect(view.title).toBe('[hostwatch] 5000 alerts at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
      expect(view.footer).toBe('0 hosts offline, 5000 alerts, 0 back online.');
    }
  });
}

/** conditionNotice() with only the lines of these kinds, and its totals. */
function only(...kinds: string[]): Notice {
  const n = conditionNotice();
  const offline = n.offline.filter((l) => kinds.includes(l.kind));
  const recoveries = n.recoveries.filter((l) => kinds.includes(l.kind));
  const conditionTotal = offline.filter((l) => l.kind !== 'offline').length;
  return { ...n, offline, recoveries, offlineTotal: offline.length, recoveryTotal: recoveries.length, conditionTotal, resolvedTotal: recoveries.filter((l) => l.kind === 'resolved').length };
}

/** What a kind picks for a notice that tells of something that holds, and for one that tells only of ends. */
const SIGNALS: Record<string, { alarm: unknown; fine: unknown; read: (r: Recorded) => unknown }> = {
  discord: { alarm: DISCORD_RED, fine: DISCORD_GREEN, read: (r) => r.json.embeds[0].color },
  ntfy: { alarm: [4, ['warning']], fine: [3, ['white_check_mark']], read: (r) => [r.json.priority, r.json.tags] },
  gotify: { alarm: 8, fine: 5, read: (r) => r.json.priority },
  apprise: { alarm: 'failure', fine: 'success', read: (r) => r.json.type },
};

for (const [kind, { alarm, fine, read }] of Object.entries(SIGNALS)) {
  test(`${kind}: a rule that holds or a reboot is an alarm, resolved rules alone are not`, async () => {
    const cases: [Notice, unknown, string][] = [
      [conditionNotice(), alarm, CONDITION_TITLE],
      [only('metric'), alarm, '[hostwatch] 2 alerts at 2026-11-23 05:00 +01:00 (Europe/Berlin)'],
      [only('reboot'), alarm, '[hostwatch] 1 alert at 2026-11-23 05:00 +01:00 (Europe/Berlin)'],
      [only('resolved'), fine, '[hostwatch] 1 resolved at 2026-11-23 05:00 +01:00 (Europe/Berlin)'],
      [only('recovered', 'resolved'), fine, '[hostwatch] 1 back online, 1 resolved at 2026-11-23 05:00 +01:00 (Europe/Berlin)'],
    ];
    for (const [notice, expected, title] of cases) {
      const r = await request(kind, notice);
      expect({ title, signal: read(r) }).toEqual({ title: CASES[kind]!.views(r)[0]!.title, signal: expected });
    }
  });
}

test('teams: lines that hold are marked Attention, those that ended Good', async () => {
  const r = await request('teams', conditionNotice());
  const colours = (r.json.attachments[0].content.body as { color?: string }[]).slice(1, -1).map((b) => b.color);
  expect(colours).toEqual(['Attention', 'Attention', 'Attention', 'Attention', 'Good', 'Good']);
});
