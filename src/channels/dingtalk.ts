/**
 * `dingtalk+https://oapi.dingtalk.com/robot/send?access_token=TOKEN[&secret=SEC...]`: a DingTalk group's custom robot
 * (钉钉群自定义机器人), sent a markdown message. With `secret` (the robot's "Sign" / 加签 security setting) every
 * request carries DingTalk's `timestamp` and `sign`; our `secret` itself never leaves the machine.
 * DingTalk answers HTTP 200 for refusals too: only `errcode: 0` is accepted.
 */
import { createHmac } from 'node:crypto';
import { cutText, fitItems, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';

export interface DingtalkConfig {
  /** The robot's webhook address without our `secret`: `https://oapi.dingtalk.com/robot/send?access_token=...`. */
  endpoint: string;
  accessToken: string;
  /** The "Sign" (加签) secret, `SEC...`, when the robot has that security setting. */
  secret?: string;
}

const DEFAULT_ENDPOINT = 'https://oapi.dingtalk.com/robot/send';
/** Bytes of `markdown.text` sent at most. */
export const DINGTALK_TEXT_LIMIT = 20_000;
/** A robot sends 20 messages a minute; over that DingTalk refuses it for 10 minutes. */
const RATE_LIMIT_WAIT_MS = 10 * 60_000;

/** errcodes that a later attempt can get past. */
const RETRYABLE: Record<number, string> = {
  [-1]: 'DingTalk is busy',
  130101: 'sending too fast: a robot sends at most 20 messages a minute, then waits 10 minutes',
  410100: 'sending too fast: a robot sends at most 20 messages a minute, then waits 10 minutes',
};
/** What the permanent errcodes mean for whoever set the channel up. Any other non-zero errcode is permanent too. */
const HINTS: Record<number, string> = {
  300001: "the access_token is not a robot's: copy the robot's Webhook address again",
  400101: "the access_token is not a robot's: copy the robot's Webhook address again",
  310000:
    "the robot's security settings refused it: a wrong or missing query.secret (Sign), this machine's clock more than an hour off, " +
    'a custom keyword the message does not contain, or this IP not in the allowed range',
  400013: 'the group was dissolved',
  400102: 'the robot is disabled',
  400105: 'DingTalk does not take this message type',
  400106: 'the robot does not exist (removed from the group?)',
  430101: 'DingTalk refused the content as unsafe',
  430102: 'DingTalk refused the content as unsafe',
  430103: 'DingTalk refused the content as unsafe',
  430104: 'DingTalk refused the content as unsafe',
};

const PRINTABLE = /^[\x21-\x7e]+$/;

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)). */
function sign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

function single(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  return all[0];
}

/** `dingtalk+https://host/path?query` as the robot's own `https://host/path?query`. */
function endpointOf(url: URL): URL {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'dingtalk') {
    // Short form: dingtalk://TOKEN[?secret=SEC...]
    if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
      throw new ChannelUrlError('url', 'must be dingtalk://TOKEN[?secret=SEC...] in the short form');
    }
    const token = safeDecode(url.hostname, 'query.access_token');
    if (token === '') throw new ChannelUrlError('query.access_token', "is missing: write dingtalk://TOKEN or the robot's whole Webhook address");
    const ep = new URL(DEFAULT_ENDPOINT);
    ep.searchParams.set('access_token', token);
    for (const [k, v] of url.searchParams) ep.searchParams.append(k, v);
    return ep;
  }
  const inner = scheme.slice('dingtalk+'.length);
  if (inner !== 'https' && inner !== 'http') throw new ChannelUrlError('scheme', 'must be dingtalk+https or dingtalk+http');
  if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', 'is not supported: DingTalk takes the token as query.access_token');
  if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write dingtalk+https://oapi.dingtalk.com/robot/send?access_token=TOKEN');
  try {
    return new URL(`${inner}://${url.host}${url.pathname}${url.search}`);
  } catch {
    throw new ChannelUrlError('host', 'is not a valid host name');
  }
}

function safeDecode(s: string, part: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ChannelUrlError(part, 'has a bad percent-encoding');
  }
}

/** Host names are user input: keep them from turning into emphasis, code, links or HTML. */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>~|]/g, (c) => `\\${c}`);
}

function markdownLine(line: NoticeLine, timezone: string): string {
  const text = lineText({ ...line, name: escapeMarkdown(line.name) }, timezone);
  const m = /^(OFFLINE|BACK)\s+/.exec(text);
  return m ? `- **${m[1]}** ${text.slice(m[0].length)}` : `- ${text}`;
}

/** The heading, one list item per host (the last one "... and N more" when cut), the totals. */
function markdownText(n: Notice): string {
  const head = `#### ${noticeTitle(n)}`;
  const footer = noticeFooter(n);
  const size = (s: string) => utf8Bytes(s) + 1;
  const items = fitItems(
    noticeLines(n).map((l) => markdownLine(l, n.timezone)),
    { limit: DINGTALK_TEXT_LIMIT, overhead: utf8Bytes(head) + utf8Bytes(footer) + 3, size, more: (k) => `- ${moreText(k)}`, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  return [head, '', ...items, ...(items.length ? [''] : []), footer].join('\n');
}

/** A vendor's message for an error: single-line, short, and without this channel's secrets. */
function vendorText(value: unknown, secrets: readonly string[]): string {
  let s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  for (const secret of secrets) if (secret.length >= 3) s = s.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export const dingtalk: ChannelKind<DingtalkConfig> = {
  kind: 'dingtalk',
  schemes: ['dingtalk+https', 'dingtalk+http', 'dingtalk'],
  description: "DingTalk group custom robot (钉钉自定义机器人): the robot's Webhook address, plus &secret=SEC... when it signs",
  parse(url) {
    if (url.hash !== '') throw new ChannelUrlError('fragment', 'is not supported');
    const ep = endpointOf(url);
    const q = ep.searchParams;
    const secret = single(q, 'secret');
    q.delete('secret');
    for (const p of ['timestamp', 'sign']) {
      if (q.has(p)) throw new ChannelUrlError(`query.${p}`, 'is computed by hostwatch for every message from query.secret: remove it');
    }
    const accessToken = single(q, 'access_token');
    if (accessToken === undefined || accessToken === '') {
      throw new ChannelUrlError('query.access_token', "is missing: copy the robot's whole Webhook address (...robot/send?access_token=...)");
    }
    if (!PRINTABLE.test(accessToken)) throw new ChannelUrlError('query.access_token', "must be the token of the robot's Webhook address (no spaces)");
    if (secret !== undefined) {
      if (secret === '') throw new ChannelUrlError('query.secret', 'is empty: give the SEC... secret of the robot\'s "Sign" security setting, or leave it out');
      if (!PRINTABLE.test(secret)) throw new ChannelUrlError('query.secret', 'must be the SEC... secret of the robot\'s "Sign" security setting (no spaces)');
    }
    return { endpoint: ep.toString(), accessToken, ...(secret !== undefined && { secret }) };
  },
  render(c) {
    const u = new URL(c.endpoint);
    if (c.secret !== undefined) u.searchParams.set('secret', c.secret);
    return `dingtalk+${u.toString()}`;
  },
  secrets: (c) => [c.accessToken, ...(c.secret !== undefined ? [c.secret] : [])],
  destinations: () => [''],
  async send(c, _destination, notice, ctx) {
    const target = new URL(c.endpoint);
    if (c.secret !== undefined) {
      const timestamp = String(Date.now());
      target.searchParams.set('timestamp', timestamp);
      target.searchParams.set('sign', sign(timestamp, c.secret));
    }
    const what = `dingtalk ${target.host}`;
    const body = {
      msgtype: 'markdown',
      markdown: { title: noticeTitle(notice), text: markdownText(notice) },
      // DingTalk drops a repeat of the same msgUuid: a retried delivery does not post twice.
      msgUuid: notice.id,
    };
    const answer = await httpSend(target.toString(), { body, timeoutMs: ctx.timeoutMs }, what);
    const reply = jsonBody(answer, what);
    const code = reply.errcode;
    if (code === 0) return;
    if (typeof code !== 'number') throw new DeliveryError(`${what} answered without an errcode: ${vendorText(reply, dingtalk.secrets(c))}`, false);
    const msg = vendorText(reply.errmsg, dingtalk.secrets(c));
    const retry = RETRYABLE[code];
    if (retry !== undefined) {
      throw new DeliveryError(`${what} refused the message for now: errcode ${code} ${msg} (${retry})`, true, code === -1 ? undefined : RATE_LIMIT_WAIT_MS);
    }
    const hint = HINTS[code];
    throw new DeliveryError(`${what} refused the message: errcode ${code} ${msg}${hint ? ` (${hint})` : ''}`, false);
  },
};
