/**
 * `feishu+https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN[?secret=SEC]` and
 * `lark+https://open.larksuite.com/open-apis/bot/v2/hook/TOKEN[?secret=SEC]`: a Feishu / Lark group's custom bot
 * (飞书群自定义机器人), sent a rich-text ("post") message: one paragraph per host, plain text, so no host name is
 * read as markup. With `secret` (the bot's "signature verification" / 签名校验) the body carries Feishu's `timestamp`
 * and `sign`. Feishu answers HTTP 200 for refusals too: only `code: 0` (older: `StatusCode: 0`) is accepted.
 */
import { createHmac } from 'node:crypto';
import { cutText, fitItems, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';

export interface FeishuConfig {
  /** The bot's webhook address without our `secret`: `https://open.feishu.cn/open-apis/bot/v2/hook/<token>`. */
  endpoint: string;
  /** The last path segment of the webhook address. */
  token: string;
  /** The "signature verification" (签名校验) secret, when the bot has that security setting. */
  secret?: string;
}

/** Bytes of the whole request body Feishu takes (20 KB). */
export const FEISHU_BODY_LIMIT = 20_000;
/** Room kept for `timestamp` and `sign` (about 70 bytes). */
const SIGN_ROOM = 100;

const RETRYABLE: Record<number, string> = {
  11232: 'sending too fast: a custom bot sends at most 100 messages a minute and 5 a second',
};
/** Any other non-zero code is permanent too. */
const HINTS: Record<number, string> = {
  9499: 'Feishu found the request malformed',
  19001: "the webhook token is not a bot's: copy the bot's webhook address again",
  19002: 'Feishu found the request malformed',
  19007: 'the bot is not enabled',
  19021: "the signature check failed: a wrong or missing query.secret, or this machine's clock more than an hour off",
  19022: "this IP is not in the bot's allowed IP list",
  19024: 'the message does not contain a custom keyword of the bot',
};

const PRINTABLE = /^[\x21-\x7e]+$/;

/** Feishu's signature: base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, message = empty)). */
function sign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

function single(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  return all[0];
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

type Paragraph = { tag: 'text'; text: string }[];
const paragraph = (text: string): Paragraph => [{ tag: 'text', text }];

/** The post body without `timestamp`/`sign`: one paragraph per host (the last "... and N more" when cut), the totals. */
function postBody(n: Notice, language: string): Record<string, unknown> {
  const wrap = (content: Paragraph[]) => ({ msg_type: 'post', content: { post: { [language]: { title: noticeTitle(n), content } } } });
  const footer = paragraph(noticeFooter(n));
  const size = (s: string) => utf8Bytes(JSON.stringify(paragraph(s))) + 1;
  // A paragraph's JSON beyond its text: what a cut line must leave room for.
  const frame = size('');
  const lines = fitItems(
    noticeLines(n).map((l) => lineText(l, n.timezone)),
    { limit: FEISHU_BODY_LIMIT, overhead: utf8Bytes(JSON.stringify(wrap([footer]))) + SIGN_ROOM, size, more: moreText, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - frame) },
  );
  return wrap([...lines.map(paragraph), footer]);
}

function makeKind(kind: 'feishu' | 'lark', defaultHost: string, name: string, language: string): ChannelKind<FeishuConfig> {
  const endpointOf = (url: URL): URL => {
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    if (scheme === kind) {
      // Short form: feishu://TOKEN[?secret=SEC]
      if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
        throw new ChannelUrlError('url', `must be ${kind}://TOKEN[?secret=SEC] in the short form`);
      }
      const token = safeDecode(url.hostname, 'path.token');
      if (token === '') throw new ChannelUrlError('path.token', `is missing: write ${kind}://TOKEN or the bot's whole webhook address`);
      return new URL(`https://${defaultHost}/open-apis/bot/v2/hook/${encodeURIComponent(token)}${url.search}`);
    }
    const inner = scheme.slice(kind.length + 1);
    if (inner !== 'https' && inner !== 'http') throw new ChannelUrlError('scheme', `must be ${kind}+https or ${kind}+http`);
    if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', `is not supported: ${name} takes the token in the path`);
    if (url.hostname === '') throw new ChannelUrlError('host', `is missing: write ${kind}+https://${defaultHost}/open-apis/bot/v2/hook/TOKEN`);
    try {
      return new URL(`${inner}://${url.host}${url.pathname}${url.search}`);
    } catch {
      throw new ChannelUrlError('host', 'is not a valid host name');
    }
  };

  const self: ChannelKind<FeishuConfig> = {
    kind,
    schemes: [`${kind}+https`, `${kind}+http`, kind],
    description: `${name} group custom bot${kind === 'feishu' ? ' (飞书自定义机器人)' : ''}: the bot's webhook address, plus ?secret=... when it verifies signatures`,
    parse(url) {
      if (url.hash !== '') throw new ChannelUrlError('fragment', 'is not supported');
      const ep = endpointOf(url);
      const m = /\/hook\/([^/]+)$/.exec(ep.pathname);
      if (!m) throw new ChannelUrlError('path', `must end with /hook/TOKEN, as the bot's webhook address does (/open-apis/bot/v2/hook/...)`);
      const token = safeDecode(m[1]!, 'path.token');
      if (!PRINTABLE.test(token)) throw new ChannelUrlError('path.token', "must be the token of the bot's webhook address (no spaces)");
      const q = ep.searchParams;
      const secret = single(q, 'secret');
      q.delete('secret');
      if (secret !== undefined && (secret === '' || !PRINTABLE.test(secret))) {
        throw new ChannelUrlError('query.secret', 'must be the secret of the bot\'s "signature verification" setting (not empty, no spaces), or left out');
      }
      return { endpoint: ep.toString(), token, ...(secret !== undefined && { secret }) };
    },
    render(c) {
      const u = new URL(c.endpoint);
      if (c.secret !== undefined) u.searchParams.set('secret', c.secret);
      return `${kind}+${u.toString()}`;
    },
    secrets: (c) => [c.token, ...(c.secret !== undefined ? [c.secret] : [])],
    destinations: () => [''],
    async send(c, _destination, notice, ctx) {
      const target = new URL(c.endpoint);
      const what = `${kind} ${target.host}`;
      const body = postBody(notice, language);
      if (c.secret !== undefined) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        body.timestamp = timestamp;
        body.sign = sign(timestamp, c.secret);
      }
      const answer = await httpSend(target.toString(), { body, timeoutMs: ctx.timeoutMs }, what);
      const reply = jsonBody(answer, what);
      const code = typeof reply.code === 'number' ? reply.code : reply.StatusCode;
      if (code === 0) return;
      const secrets = self.secrets(c);
      if (typeof code !== 'number') throw new DeliveryError(`${what} answered without a code: ${vendorText(reply, secrets)}`, false);
      const msg = vendorText(reply.msg ?? reply.StatusMessage, secrets);
      const retry = RETRYABLE[code];
      if (retry !== undefined) throw new DeliveryError(`${what} refused the message for now: code ${code} ${msg} (${retry})`, true);
      const hint = HINTS[code];
      throw new DeliveryError(`${what} refused the message: code ${code} ${msg}${hint ? ` (${hint})` : ''}`, false);
    },
  };
  return self;
}

export const feishu = makeKind('feishu', 'open.feishu.cn', 'Feishu', 'zh_cn');
export const lark = makeKind('lark', 'open.larksuite.com', 'Lark', 'en_us');
