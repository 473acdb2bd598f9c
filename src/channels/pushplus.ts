/**
 * `pushplus+https://www.pushplus.plus/send?token=TOKEN[&topic=..&channel=..&template=markdown]`: pushplus (推送加),
 * which forwards to WeChat or another of its channels. The token is the whole credential; it goes in the JSON body,
 * not the request line. Only `code: 200` is accepted.
 */
import { cutChars, fitMarkdownList, fitText, noticeTitle } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { checkParams, decodePart, innerScheme, PRINTABLE, refuseFragment, refuseUserinfo, schemeOf, shortFormOnly, vendorUrl } from './url.js';

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

/** The codes of pushplus' answers: only 200 is accepted, and any other code is permanent too. */
const CODES: VendorCodes = {
  field: 'code',
  message: (reply) => reply.msg,
  ok: 200,
  retryable: {
    500: 'pushplus had an internal error',
  },
  permanent: {
    // pushplus asks clients to stop on 900: the account is restricted for days, and every further request extends it.
    900: 'the account is restricted for sending too much; pushplus asks clients to stop trying until it is lifted',
    903: 'the token is not valid: copy it again from pushplus',
    905: 'the account has no real-name verification (实名认证) yet',
    888: 'the account has no points (积分) left',
    999: 'pushplus refused the request as invalid',
  },
};

function options(q: URLSearchParams): Omit<PushplusConfig, 'endpoint' | 'token'> {
  checkParams(q, PARAMS, `is not a pushplus parameter hostwatch sets (known: token, ${PARAMS.join(', ')})`);
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

/** The JSON body for a notice, all but the token (which goes first): title, content, template and the URL's options. */
export function pushplusBody(c: PushplusConfig, n: Notice): Record<string, string> {
  return {
    title: cutChars(noticeTitle(n), TITLE_LIMIT),
    // The title is pushplus' own field: the content is the host lines (a list in markdown) and the totals.
    content: c.template === 'markdown' ? fitMarkdownList(n, PUSHPLUS_CONTENT_LIMIT) : fitText(n, PUSHPLUS_CONTENT_LIMIT),
    template: c.template,
    ...(c.topic !== undefined && { topic: c.topic }),
    ...(c.channel !== undefined && { channel: c.channel }),
    ...(c.webhook !== undefined && { webhook: c.webhook }),
    ...(c.to !== undefined && { to: c.to }),
  };
}

export const pushplus: ChannelKind<PushplusConfig> = {
  kind: 'pushplus',
  schemes: ['pushplus+https', 'pushplus+http', 'pushplus'],
  description: 'pushplus (推送加) WeChat push: the send address with the token, plus topic=, channel=, template=',
  parse(url) {
    refuseFragment(url, 'is not supported');
    const q = new URLSearchParams(url.search);
    let ep: URL;
    let token = q.getAll('token');
    q.delete('token');
    if (schemeOf(url) === 'pushplus') {
      // Short form: pushplus://TOKEN[?topic=..]
      shortFormOnly(url, 'pushplus://TOKEN[?topic=...]');
      if (url.hostname !== '') token = [decodePart('query.token', url.hostname), ...token];
      ep = new URL(DEFAULT_ENDPOINT);
    } else {
      const inner = innerScheme(url, 'pushplus');
      refuseUserinfo(url, 'is not supported: pushplus takes the token as query.token');
      if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write pushplus+https://www.pushplus.plus/send?token=TOKEN');
      ep = vendorUrl(inner, url.host, url.pathname);
      // pushplus also takes the token as the last path segment: .../send/TOKEN.
      const m = /^(.*\/send)\/([^/]+)$/.exec(ep.pathname);
      if (m) {
        token = [decodePart('query.token', m[2]!), ...token];
        ep.pathname = m[1]!;
      }
    }
    if (token.length > 1) throw new ChannelUrlError('query.token', 'is given more than once');
    const t = token[0];
    if (t === undefined || t === '') throw new ChannelUrlError('query.token', 'is missing: write pushplus+https://www.pushplus.plus/send?token=TOKEN');
    if (!PRINTABLE.test(t)) throw new ChannelUrlError('query.token', 'must be the token from pushplus (no spaces)');
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
    const answer = await httpSend(c.endpoint, { body: { token: c.token, ...pushplusBody(c, notice) }, timeoutMs: ctx.timeoutMs }, what);
    checkVendorCode(what, jsonBody(answer, what), CODES, [c.token]);
  },
};
