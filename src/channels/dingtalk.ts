/**
 * `dingtalk+https://oapi.dingtalk.com/robot/send?access_token=TOKEN[&secret=SEC...]`: a DingTalk group's custom robot
 * (钉钉群自定义机器人), sent a markdown message. With `secret` (the robot's "Sign" / 加签 security setting) every
 * request carries DingTalk's `timestamp` and `sign`; our `secret` itself never leaves the machine.
 * DingTalk answers HTTP 200 for refusals too: only `errcode: 0` is accepted.
 */
import { createHmac } from 'node:crypto';
import { fitMarkdownList, noticeTitle } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { decodePart, innerScheme, PRINTABLE, refuseFragment, refuseUserinfo, schemeOf, shortFormOnly, singleParam, vendorUrl } from './url.js';

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

/**
 * The errcodes of DingTalk's HTTP 200 answers: those a later attempt can get past, with the wait DingTalk imposes,
 * and what the permanent ones mean for whoever set the channel up (any other non-zero errcode is permanent too).
 */
const CODES: VendorCodes = {
  field: 'errcode',
  message: (reply) => reply.errmsg,
  ok: 0,
  retryable: {
    [-1]: 'DingTalk is busy',
    130101: 'sending too fast: a robot sends at most 20 messages a minute, then waits 10 minutes',
    410100: 'sending too fast: a robot sends at most 20 messages a minute, then waits 10 minutes',
  },
  waitMs: { 130101: RATE_LIMIT_WAIT_MS, 410100: RATE_LIMIT_WAIT_MS },
  permanent: {
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
  },
};

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)). */
function sign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** `dingtalk+https://host/path?query` as the robot's own `https://host/path?query`. */
function endpointOf(url: URL): URL {
  if (schemeOf(url) === 'dingtalk') {
    // Short form: dingtalk://TOKEN[?secret=SEC...]
    shortFormOnly(url, 'dingtalk://TOKEN[?secret=SEC...]');
    const token = decodePart('query.access_token', url.hostname);
    if (token === '') throw new ChannelUrlError('query.access_token', "is missing: write dingtalk://TOKEN or the robot's whole Webhook address");
    const ep = new URL(DEFAULT_ENDPOINT);
    ep.searchParams.set('access_token', token);
    for (const [k, v] of url.searchParams) ep.searchParams.append(k, v);
    return ep;
  }
  const inner = innerScheme(url, 'dingtalk');
  refuseUserinfo(url, 'is not supported: DingTalk takes the token as query.access_token');
  if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write dingtalk+https://oapi.dingtalk.com/robot/send?access_token=TOKEN');
  return vendorUrl(inner, url.host, `${url.pathname}${url.search}`);
}

/** The robot's markdown message for a notice. */
export function dingtalkBody(n: Notice): Record<string, unknown> {
  return {
    msgtype: 'markdown',
    // The heading, one list item per host, the totals.
    markdown: { title: noticeTitle(n), text: fitMarkdownList(n, DINGTALK_TEXT_LIMIT, `#### ${noticeTitle(n)}`) },
    // DingTalk drops a repeat of the same msgUuid: a retried delivery does not post twice.
    msgUuid: n.id,
  };
}

export const dingtalk: ChannelKind<DingtalkConfig> = {
  kind: 'dingtalk',
  schemes: ['dingtalk+https', 'dingtalk+http', 'dingtalk'],
  description: "DingTalk group custom robot (钉钉自定义机器人): the robot's Webhook address, plus &secret=SEC... when it signs",
  parse(url) {
    refuseFragment(url, 'is not supported');
    const ep = endpointOf(url);
    const q = ep.searchParams;
    const secret = singleParam(q, 'secret');
    q.delete('secret');
    for (const p of ['timestamp', 'sign']) {
      if (q.has(p)) throw new ChannelUrlError(`query.${p}`, 'is computed by hostwatch for every message from query.secret: remove it');
    }
    const accessToken = singleParam(q, 'access_token');
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
    const answer = await httpSend(target.toString(), { body: dingtalkBody(notice), timeoutMs: ctx.timeoutMs }, what);
    checkVendorCode(what, jsonBody(answer, what), CODES, dingtalk.secrets(c));
  },
};
