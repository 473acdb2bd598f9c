/**
 * `wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`: a WeCom (企业微信) group robot, sent a markdown
 * message. The key is the robot's only credential. WeCom answers HTTP 200 for refusals too: only `errcode: 0` is
 * accepted.
 */
import { fitText, lineText, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind } from './types.js';

export interface WecomConfig {
  /** The robot's webhook address: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`. */
  endpoint: string;
  key: string;
}

const DEFAULT_ENDPOINT = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
/** Bytes of `markdown.content` WeCom takes (UTF-8). */
export const WECOM_CONTENT_LIMIT = 4096;
/** A group robot sends at most 20 messages a minute. */
const RATE_LIMIT_WAIT_MS = 60_000;

const RETRYABLE: Record<number, string> = {
  [-1]: 'WeCom is busy',
  45009: 'sending too fast: a group robot sends at most 20 messages a minute',
};
/** Any other non-zero errcode is permanent too. */
const HINTS: Record<number, string> = {
  93000: "the key is not a robot's (removed from the group?): copy the robot's Webhook address again",
  40008: 'WeCom does not take this message type',
  40058: 'WeCom found a parameter invalid',
  44004: 'WeCom found the message empty',
};

const PRINTABLE = /^[\x21-\x7e]+$/;

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

/** `wecom+https://host/path?query` as the robot's own `https://host/path?query`. */
function endpointOf(url: URL): URL {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'wecom') {
    // Short form: wecom://KEY
    if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
      throw new ChannelUrlError('url', 'must be wecom://KEY in the short form');
    }
    const key = safeDecode(url.hostname, 'query.key');
    if (key === '') throw new ChannelUrlError('query.key', "is missing: write wecom://KEY or the robot's whole Webhook address");
    const ep = new URL(DEFAULT_ENDPOINT);
    ep.searchParams.set('key', key);
    for (const [k, v] of url.searchParams) ep.searchParams.append(k, v);
    return ep;
  }
  const inner = scheme.slice('wecom+'.length);
  if (inner !== 'https' && inner !== 'http') throw new ChannelUrlError('scheme', 'must be wecom+https or wecom+http');
  if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', 'is not supported: WeCom takes the key as query.key');
  if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY');
  try {
    return new URL(`${inner}://${url.host}${url.pathname}${url.search}`);
  } catch {
    throw new ChannelUrlError('host', 'is not a valid host name');
  }
}

/** Host names are user input: keep them from turning into emphasis, code, links or font tags. */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>~|]/g, (c) => `\\${c}`);
}

/** WeCom's markdown has no lists; a line break is a line break, and `<font color>` marks the state. */
function markdownLine(line: NoticeLine, timezone: string): string {
  const text = lineText({ ...line, name: escapeMarkdown(line.name) }, timezone);
  const m = /^(OFFLINE|BACK)\s+/.exec(text);
  if (!m) return text;
  const color = m[1] === 'OFFLINE' ? 'warning' : 'info';
  return `<font color="${color}">${m[1]}</font> ${text.slice(m[0].length)}`;
}

function vendorText(value: unknown, secrets: readonly string[]): string {
  let s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  for (const secret of secrets) if (secret.length >= 3) s = s.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export const wecom: ChannelKind<WecomConfig> = {
  kind: 'wecom',
  schemes: ['wecom+https', 'wecom+http', 'wecom'],
  description: "WeCom group robot (企业微信群机器人): the robot's Webhook address with its key",
  parse(url) {
    if (url.hash !== '') throw new ChannelUrlError('fragment', 'is not supported');
    const ep = endpointOf(url);
    const key = single(ep.searchParams, 'key');
    if (key === undefined || key === '') throw new ChannelUrlError('query.key', "is missing: copy the robot's whole Webhook address (...webhook/send?key=...)");
    if (!PRINTABLE.test(key)) throw new ChannelUrlError('query.key', "must be the key of the robot's Webhook address (no spaces)");
    // Written back in one form (URLSearchParams'), so a rendered URL parses to the same config.
    ep.search = ep.searchParams.toString();
    return { endpoint: ep.toString(), key };
  },
  render: (c) => `wecom+${c.endpoint}`,
  secrets: (c) => [c.key],
  destinations: () => [''],
  async send(c, _destination, notice, ctx) {
    const target = new URL(c.endpoint);
    const what = `wecom ${target.host}`;
    const head = `**${noticeTitle(notice)}**`;
    const content = `${head}\n${fitText(notice, WECOM_CONTENT_LIMIT, (l) => markdownLine(l, notice.timezone), utf8Bytes(head) + 1)}`;
    const answer = await httpSend(target.toString(), { body: { msgtype: 'markdown', markdown: { content } }, timeoutMs: ctx.timeoutMs }, what);
    const reply = jsonBody(answer, what);
    const code = reply.errcode;
    if (code === 0) return;
    if (typeof code !== 'number') throw new DeliveryError(`${what} answered without an errcode: ${vendorText(reply, [c.key])}`, false);
    const msg = vendorText(reply.errmsg, [c.key]);
    const retry = RETRYABLE[code];
    if (retry !== undefined) throw new DeliveryError(`${what} refused the message for now: errcode ${code} ${msg} (${retry})`, true, code === -1 ? undefined : RATE_LIMIT_WAIT_MS);
    const hint = HINTS[code];
    throw new DeliveryError(`${what} refused the message: errcode ${code} ${msg}${hint ? ` (${hint})` : ''}`, false);
  },
};
