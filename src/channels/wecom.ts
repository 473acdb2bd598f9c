/**
 * `wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`: a WeCom (企业微信) group robot, sent a markdown
 * message. The key is the robot's only credential. WeCom answers HTTP 200 for refusals too: only `errcode: 0` is
 * accepted.
 */
import { isEndLine } from '../alerting/types.js';
import { cutText, escapeNames, fitText, lineBody, lineLabel, lineText, markdownEscape, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { decodePart, innerScheme, PRINTABLE, refuseFragment, refuseUserinfo, schemeOf, shortFormOnly, singleParam, vendorUrl } from './url.js';

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

/** The errcodes of WeCom's HTTP 200 answers; any other non-zero errcode is permanent too. */
const CODES: VendorCodes = {
  field: 'errcode',
  message: (reply) => reply.errmsg,
  ok: 0,
  retryable: {
    [-1]: 'WeCom is busy',
    45009: 'sending too fast: a group robot sends at most 20 messages a minute',
  },
  waitMs: { 45009: RATE_LIMIT_WAIT_MS },
  permanent: {
    93000: "the key is not a robot's (removed from the group?): copy the robot's Webhook address again",
    40008: 'WeCom does not take this message type',
    40058: 'WeCom found a parameter invalid',
    44004: 'WeCom found the message empty',
  },
};

/** `wecom+https://host/path?query` as the robot's own `https://host/path?query`. */
function endpointOf(url: URL): URL {
  if (schemeOf(url) === 'wecom') {
    // Short form: wecom://KEY
    shortFormOnly(url, 'wecom://KEY');
    const key = decodePart('query.key', url.hostname);
    if (key === '') throw new ChannelUrlError('query.key', "is missing: write wecom://KEY or the robot's whole Webhook address");
    const ep = new URL(DEFAULT_ENDPOINT);
    ep.searchParams.set('key', key);
    for (const [k, v] of url.searchParams) ep.searchParams.append(k, v);
    return ep;
  }
  const inner = innerScheme(url, 'wecom');
  refuseUserinfo(url, 'is not supported: WeCom takes the key as query.key');
  if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write wecom+https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY');
  return vendorUrl(inner, url.host, `${url.pathname}${url.search}`);
}

/**
 * WeCom's markdown has no lists; a line break is a line break, and `<font color>` marks the label: orange for what
 * holds, green for what ended. Host names and mounts are escaped, so they cannot turn into emphasis, code, links or
 * font tags.
 */
function markdownLine(line: NoticeLine, timezone: string, locale?: string): string {
  const body = lineBody(lineText(escapeNames(line, markdownEscape), timezone, locale));
  return `<font color="${isEndLine(line) ? 'info' : 'warning'}">${lineLabel(line, locale)}</font> ${body}`;
}

/** The robot's markdown message for a notice: the title in bold, the lines, the totals; within WeCom's 4096 bytes. */
export function wecomMessage(n: Notice): { msgtype: 'markdown'; markdown: { content: string } } {
  const head = `**${cutText(noticeTitle(n), WECOM_CONTENT_LIMIT / 4)}**`;
  const content = `${head}\n${fitText(n, WECOM_CONTENT_LIMIT, (l) => markdownLine(l, n.timezone, n.locale), utf8Bytes(head) + 1)}`;
  return { msgtype: 'markdown', markdown: { content } };
}

export const wecom: ChannelKind<WecomConfig> = {
  kind: 'wecom',
  schemes: ['wecom+https', 'wecom+http', 'wecom'],
  description: "WeCom group robot (企业微信群机器人): the robot's Webhook address with its key",
  parse(url) {
    refuseFragment(url, 'is not supported');
    const ep = endpointOf(url);
    const key = singleParam(ep.searchParams, 'key');
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
    const answer = await httpSend(target.toString(), { body: wecomMessage(notice), timeoutMs: ctx.timeoutMs }, what);
    checkVendorCode(what, jsonBody(answer, what), CODES, [c.key]);
  },
};
