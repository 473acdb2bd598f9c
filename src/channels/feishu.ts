/**
 * `feishu+https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN[?secret=SEC]` and
 * `lark+https://open.larksuite.com/open-apis/bot/v2/hook/TOKEN[?secret=SEC]`: a Feishu / Lark group's custom bot
 * (飞书群自定义机器人), sent a rich-text ("post") message: one paragraph per host, plain text, so no host name is
 * read as markup. With `secret` (the bot's "signature verification" / 签名校验) the body carries Feishu's `timestamp`
 * and `sign`. Feishu answers HTTP 200 for refusals too: only `code: 0` (older: `StatusCode: 0`) is accepted.
 */
import { createHmac } from 'node:crypto';
import { cutEscaped, cutText, fitItems, jsonStringBytes, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { decodePart, enc, innerScheme, PRINTABLE, refuseFragment, refuseUserinfo, schemeOf, shortFormOnly, singleParam, vendorUrl } from './url.js';

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

/** The codes of Feishu's HTTP 200 answers (older ones: `StatusCode`); any other non-zero code is permanent too. */
const CODES: VendorCodes = {
  field: 'code',
  code: (reply) => (typeof reply.code === 'number' ? reply.code : reply.StatusCode),
  message: (reply) => reply.msg ?? reply.StatusMessage,
  ok: 0,
  retryable: {
    11232: 'sending too fast: a custom bot sends at most 100 messages a minute and 5 a second',
  },
  permanent: {
    9499: 'Feishu found the request malformed',
    19001: "the webhook token is not a bot's: copy the bot's webhook address again",
    19002: 'Feishu found the request malformed',
    19007: 'the bot is not enabled',
    19021: "the signature check failed: a wrong or missing query.secret, or this machine's clock more than an hour off",
    19022: "this IP is not in the bot's allowed IP list",
    19024: 'the message does not contain a custom keyword of the bot',
  },
};

/** Feishu's signature: base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, message = empty)). */
function sign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

type Paragraph = { tag: 'text'; text: string }[];
const paragraph = (text: string): Paragraph => [{ tag: 'text', text }];

/**
 * The post body without `timestamp`/`sign`: one paragraph per host (the last "... and N more" when cut), the totals
 * (or a template's body, within half the body limit). `language` is the post's language key (`zh_cn`, `en_us`).
 */
export function feishuPost(n: Notice, language: string): Record<string, unknown> {
  const wrap = (content: Paragraph[]) => ({ msg_type: 'post', content: { post: { [language]: { title: noticeTitle(n), content } } } });
  const footer = paragraph(cutEscaped(noticeFooter(n), FEISHU_BODY_LIMIT / 2, undefined, jsonStringBytes));
  const size = (s: string) => utf8Bytes(JSON.stringify(paragraph(s))) + 1;
  // A paragraph's JSON beyond its text: what a cut line must leave room for.
  const frame = size('');
  const lines = fitItems(
    noticeLines(n).map((l) => lineText(l, n.timezone, n.locale)),
    { limit: FEISHU_BODY_LIMIT, overhead: utf8Bytes(JSON.stringify(wrap([footer]))) + SIGN_ROOM, size, more: (k) => moreText(k, n.locale), alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - frame) },
  );
  return wrap([...lines.map(paragraph), footer]);
}

function makeKind(kind: 'feishu' | 'lark', defaultHost: string, name: string, language: string): ChannelKind<FeishuConfig> {
  const endpointOf = (url: URL): URL => {
    if (schemeOf(url) === kind) {
      // Short form: feishu://TOKEN[?secret=SEC]
      shortFormOnly(url, `${kind}://TOKEN[?secret=SEC]`);
      const token = decodePart('path.token', url.hostname);
      if (token === '') throw new ChannelUrlError('path.token', `is missing: write ${kind}://TOKEN or the bot's whole webhook address`);
      return new URL(`https://${defaultHost}/open-apis/bot/v2/hook/${enc(token)}${url.search}`);
    }
    const inner = innerScheme(url, kind);
    refuseUserinfo(url, `is not supported: ${name} takes the token in the path`);
    if (url.hostname === '') throw new ChannelUrlError('host', `is missing: write ${kind}+https://${defaultHost}/open-apis/bot/v2/hook/TOKEN`);
    return vendorUrl(inner, url.host, `${url.pathname}${url.search}`);
  };

  const self: ChannelKind<FeishuConfig> = {
    kind,
    schemes: [`${kind}+https`, `${kind}+http`, kind],
    description: `${name} group custom bot${kind === 'feishu' ? ' (飞书自定义机器人)' : ''}: the bot's webhook address, plus ?secret=... when it verifies signatures`,
    parse(url) {
      refuseFragment(url, 'is not supported');
      const ep = endpointOf(url);
      const m = /\/hook\/([^/]+)$/.exec(ep.pathname);
      if (!m) throw new ChannelUrlError('path', `must end with /hook/TOKEN, as the bot's webhook address does (/open-apis/bot/v2/hook/...)`);
      const token = decodePart('path.token', m[1]!);
      if (!PRINTABLE.test(token)) throw new ChannelUrlError('path.token', "must be the token of the bot's webhook address (no spaces)");
      const q = ep.searchParams;
      const secret = singleParam(q, 'secret');
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
      const body = feishuPost(notice, language);
      if (c.secret !== undefined) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        body.timestamp = timestamp;
        body.sign = sign(timestamp, c.secret);
      }
      const answer = await httpSend(target.toString(), { body, timeoutMs: ctx.timeoutMs }, what);
      checkVendorCode(what, jsonBody(answer, what), CODES, self.secrets(c));
    },
  };
  return self;
}

export const feishu = makeKind('feishu', 'open.feishu.cn', 'Feishu', 'zh_cn');
export const lark = makeKind('lark', 'open.larksuite.com', 'Lark', 'en_us');
