/**
 * `pushplus+https://www.pushplus.plus/send?token=TOKEN[&topic=..&channel=..&template=markdown]`: pushplus (推送加),
 * which forwards to WeChat or another of its channels. The token is the whole credential; it goes in the JSON body,
 * not the request line. Only `code: 200` is accepted.
 */
import { cutText, fitItems, fitText, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';

export type PushplusTemplate = 'markdown' | 'txt';

export interface PushplusConfig {
  /** The send address without the token: `https://www.pushplus.plus/send`. */
  endpoint: string;
  token: string;
  template: PushplusTemplate;
  /** Group (群组) code: the message goes to the group's members instead of the token's owner. */
  topic?: string;
  /** Delivery channel: wechat (default), webhook, cp, mail, sms... */
  channel?: string;
  /** Code of a webhook set up in pushplus, for channel=webhook or cp. */
  webhook?: string;
  /** Friend token(s) (好友令牌) to send to instead of yourself. */
  to?: string;
}

const DEFAULT_ENDPOINT = 'https://www.pushplus.plus/send';
/** Characters of `title`. */
const TITLE_LIMIT = 100;
/** Bytes of `content` sent at most. */
export const PUSHPLUS_CONTENT_LIMIT = 20_000;
const PARAMS = ['template', 'topic', 'channel', 'webhook', 'to'] as const;
const TEMPLATES: readonly PushplusTemplate[] = ['markdown', 'txt'];

const RETRYABLE: Record<number, string> = {
  500: 'pushplus had an internal error',
};
/** Any other code but 200 is permanent too. */
const HINTS: Record<number, string> = {
  // pushplus asks clients to stop on 900: the account is restricted for days, and every further request extends it.
  900: 'the account is restricted for sending too much; pushplus asks clients to stop trying until it is lifted',
  903: 'the token is not valid: copy it again from pushplus',
  905: 'the account has no real-name verification (实名认证) yet',
  888: 'the account has no points (积分) left',
  999: 'pushplus refused the request as invalid',
};

function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function safeDecode(s: string, part: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ChannelUrlError(part, 'has a bad percent-encoding');
  }
}

function vendorText(value: unknown, secrets: readonly string[]): string {
  let s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  for (const secret of secrets) if (secret.length >= 3) s = s.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
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

/** One list item per host (the last "... and N more" when cut), then the totals; the title is pushplus' own field. */
function markdownText(n: Notice): string {
  const footer = noticeFooter(n);
  const size = (s: string) => utf8Bytes(s) + 1;
  const items = fitItems(
    noticeLines(n).map((l) => markdownLine(l, n.timezone)),
    { limit: PUSHPLUS_CONTENT_LIMIT, overhead: utf8Bytes(footer) + 1, size, more: (k) => `- ${moreText(k)}`, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  return [...items, ...(items.length ? [''] : []), footer].join('\n');
}

function options(q: URLSearchParams): Omit<PushplusConfig, 'endpoint' | 'token'> {
  for (const name of new Set(q.keys())) {
    if (!(PARAMS as readonly string[]).includes(name)) throw new ChannelUrlError(`query.${name}`, `is not a pushplus parameter hostwatch sets (known: token, ${PARAMS.join(', ')})`);
    if (q.getAll(name).length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  }
  const template = q.get('template') ?? 'markdown';
  if (!(TEMPLATES as readonly string[]).includes(template)) throw new ChannelUrlError('query.template', `must be ${TEMPLATES.join(' or ')}`);
  const out: ReturnType<typeof options> = { template: template as PushplusTemplate };
  for (const name of ['topic', 'webhook', 'to'] as const) {
    const v = q.get(name);
    if (v === null) continue;
    if (!/^[^\s]+$/.test(v)) throw new ChannelUrlError(`query.${name}`, 'must not be empty or hold spaces');
    out[name] = v;
  }
  const channel = q.get('channel');
  if (channel !== null) {
    if (!/^[a-z]+$/.test(channel)) throw new ChannelUrlError('query.channel', 'must be a pushplus channel name such as wechat, webhook, cp or mail');
    out.channel = channel;
  }
  return out;
}

export const pushplus: ChannelKind<PushplusConfig> = {
  kind: 'pushplus',
  schemes: ['pushplus+https', 'pushplus+http', 'pushplus'],
  description: 'pushplus (推送加) WeChat push: the send address with the token, plus topic=, channel=, template=',
  parse(url) {
    if (url.hash !== '') throw new ChannelUrlError('fragment', 'is not supported');
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    const q = new URLSearchParams(url.search);
    let ep: URL;
    let token = q.getAll('token');
    q.delete('token');
    if (scheme === 'pushplus') {
      // Short form: pushplus://TOKEN[?topic=..]
      if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
        throw new ChannelUrlError('url', 'must be pushplus://TOKEN[?topic=...] in the short form');
      }
      if (url.hostname !== '') token = [safeDecode(url.hostname, 'query.token'), ...token];
      ep = new URL(DEFAULT_ENDPOINT);
    } else {
      const inner = scheme.slice('pushplus+'.length);
      if (inner !== 'https' && inner !== 'http') throw new ChannelUrlError('scheme', 'must be pushplus+https or pushplus+http');
      if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', 'is not supported: pushplus takes the token as query.token');
      if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write pushplus+https://www.pushplus.plus/send?token=TOKEN');
      try {
        ep = new URL(`${inner}://${url.host}${url.pathname}`);
      } catch {
        throw new ChannelUrlError('host', 'is not a valid host name');
      }
      // pushplus also takes the token as the last path segment: .../send/TOKEN.
      const m = /^(.*\/send)\/([^/]+)$/.exec(ep.pathname);
      if (m) {
        token = [safeDecode(m[2]!, 'query.token'), ...token];
        ep.pathname = m[1]!;
      }
    }
    if (token.length > 1) throw new ChannelUrlError('query.token', 'is given more than once');
    const t = token[0];
    if (t === undefined || t === '') throw new ChannelUrlError('query.token', 'is missing: write pushplus+https://www.pushplus.plus/send?token=TOKEN');
    if (!/^[\x21-\x7e]+$/.test(t)) throw new ChannelUrlError('query.token', 'must be the token from pushplus (no spaces)');
    return { endpoint: ep.toString(), token: t, ...options(q) };
  },
  render(c) {
    const u = new URL(c.endpoint);
    u.searchParams.set('token', c.token);
    for (const name of PARAMS) {
      const v = c[name];
      if (v !== undefined && !(name === 'template' && v === 'markdown')) u.searchParams.set(name, v);
    }
    return `pushplus+${u.toString()}`;
  },
  secrets: (c) => [c.token],
  destinations: () => [''],
  async send(c, _destination, notice, ctx) {
    const what = `pushplus ${new URL(c.endpoint).host}`;
    const body = {
      token: c.token,
      title: cutChars(noticeTitle(notice), TITLE_LIMIT),
      content: c.template === 'markdown' ? markdownText(notice) : fitText(notice, PUSHPLUS_CONTENT_LIMIT),
      template: c.template,
      ...(c.topic !== undefined && { topic: c.topic }),
      ...(c.channel !== undefined && { channel: c.channel }),
      ...(c.webhook !== undefined && { webhook: c.webhook }),
      ...(c.to !== undefined && { to: c.to }),
    };
    const answer = await httpSend(c.endpoint, { body, timeoutMs: ctx.timeoutMs }, what);
    const reply = jsonBody(answer, what);
    const code = reply.code;
    if (code === 200) return;
    const secrets = [c.token];
    if (typeof code !== 'number') throw new DeliveryError(`${what} answered without a code: ${vendorText(reply, secrets)}`, false);
    const msg = vendorText(reply.msg, secrets);
    const retry = RETRYABLE[code];
    if (retry !== undefined) throw new DeliveryError(`${what} refused the message for now: code ${code} ${msg} (${retry})`, true);
    const hint = HINTS[code];
    throw new DeliveryError(`${what} refused the message: code ${code} ${msg}${hint ? ` (${hint})` : ''}`, false);
  },
};
