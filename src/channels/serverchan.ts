/**
 * `serverchan+https://sctapi.ftqq.com/SENDKEY.send`: Server酱 (ServerChan Turbo), which forwards to WeChat and the
 * other channels set up on sct.ftqq.com. A ServerChan³ key (`sctp<uid>t...`) goes to its own host:
 * `serverchan+https://<uid>.push.ft07.com/send/SENDKEY.send`. The SendKey is the whole credential. Sent as a form:
 * `title` (at most 32 characters), `desp` (markdown, at most 32 KB) and `short` (the card text, at most 64).
 * Only `code: 0` is accepted.
 */
import { cutChars, cutText, fitMarkdownList, noticeFooter, noticeTitle } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { checkParams, decodePart, enc, innerScheme, PRINTABLE, refuseFragment, refuseUserinfo, schemeOf, shortFormOnly, vendorUrl } from './url.js';

export interface ServerchanConfig {
  /** The send address with the key: `https://sctapi.ftqq.com/<key>.send`. */
  endpoint: string;
  sendKey: string;
  /** Message channels for this push, e.g. `9|66` (at most two; Turbo only). */
  channel?: string;
  /** `1` hides the sender's IP (Turbo only). */
  noip?: '1';
  /** openids to copy the message to, comma or `|` separated (Turbo only). */
  openid?: string;
  /** Tags, `|` separated (ServerChan³ only). */
  tags?: string;
}

const TURBO_HOST = 'sctapi.ftqq.com';
/** Characters of `title`. */
const TITLE_LIMIT = 32;
/** Characters of `short`. */
const SHORT_LIMIT = 64;
/** Bytes of `desp` (32 KB). */
export const SERVERCHAN_DESP_LIMIT = 32_000;
const PARAMS = ['channel', 'noip', 'openid', 'tags'] as const;
/** A ServerChan³ key names its user: `sctp<uid>t...`. */
const SC3_KEY = /^sctp(\d+)t/;

/**
 * Only `code: 0` is accepted. 40001 is a wrong key or the day's quota used up ("[AUTH]..."), 20001 a bad input:
 * trying again soon helps neither, so every other code is permanent.
 */
const CODES: VendorCodes = { field: 'code', message: (reply) => reply.message ?? reply.info, ok: 0 };

function options(q: URLSearchParams): Pick<ServerchanConfig, (typeof PARAMS)[number]> {
  checkParams(q, PARAMS, `is not a ServerChan parameter hostwatch sets (known: ${PARAMS.join(', ')})`);
  const out: ReturnType<typeof options> = {};
  const channel = q.get('channel');
  if (channel !== null) {
    if (!/^\d+(\|\d+)?$/.test(channel)) throw new ChannelUrlError('query.channel', 'must be one or two channel numbers separated by |, e.g. 9 or 9|66');
    out.channel = channel;
  }
  const noip = q.get('noip');
  if (noip !== null) {
    if (noip !== '1') throw new ChannelUrlError('query.noip', 'must be 1 (hide the IP), or left out');
    out.noip = '1';
  }
  const openid = q.get('openid');
  if (openid !== null) {
    if (!/^[^\s]+$/.test(openid)) throw new ChannelUrlError('query.openid', 'must be openids separated by commas or |, without spaces');
    out.openid = openid;
  }
  const tags = q.get('tags');
  if (tags !== null) {
    if (tags.trim() === '') throw new ChannelUrlError('query.tags', 'is empty');
    out.tags = tags;
  }
  return out;
}

/** The form posted for a notice: title, markdown `desp`, the card's `short` text and the URL's options. */
export function serverchanForm(c: ServerchanConfig, n: Notice): URLSearchParams {
  const form = new URLSearchParams({
    title: cutChars(noticeTitle(n), TITLE_LIMIT),
    // The whole title as a heading, one list item per host, the totals.
    desp: fitMarkdownList(n, SERVERCHAN_DESP_LIMIT, `## ${cutText(noticeTitle(n), SERVERCHAN_DESP_LIMIT / 4)}`),
    short: cutChars(noticeFooter(n), SHORT_LIMIT),
  });
  for (const name of PARAMS) {
    const v = c[name];
    if (v !== undefined) form.set(name, v);
  }
  return form;
}

export const serverchan: ChannelKind<ServerchanConfig> = {
  kind: 'serverchan',
  schemes: ['serverchan+https', 'serverchan+http', 'serverchan'],
  description: 'Server酱 (ServerChan Turbo or ServerChan³): the send address with the SendKey',
  parse(url) {
    refuseFragment(url, 'is not supported');
    let ep: URL;
    if (schemeOf(url) === 'serverchan') {
      // Short form: serverchan://SENDKEY, sent where its kind of key goes.
      shortFormOnly(url, 'serverchan://SENDKEY');
      const key = decodePart('path.sendkey', url.hostname);
      if (key === '') throw new ChannelUrlError('path.sendkey', 'is missing: write serverchan://SENDKEY');
      const sc3 = SC3_KEY.exec(key);
      ep = new URL(sc3 ? `https://${sc3[1]}.push.ft07.com/send/${enc(key)}.send` : `https://${TURBO_HOST}/${enc(key)}.send`);
    } else {
      const inner = innerScheme(url, 'serverchan');
      refuseUserinfo(url, 'is not supported: the SendKey goes in the path');
      if (url.hostname === '') throw new ChannelUrlError('host', `is missing: write serverchan+https://${TURBO_HOST}/SENDKEY.send`);
      ep = vendorUrl(inner, url.host, url.pathname);
    }
    const m = /\/([^/]+)\.send$/.exec(ep.pathname);
    if (!m) throw new ChannelUrlError('path', `must end with /SENDKEY.send, as in https://${TURBO_HOST}/SENDKEY.send`);
    const sendKey = decodePart('path.sendkey', m[1]!);
    if (!PRINTABLE.test(sendKey)) throw new ChannelUrlError('path.sendkey', 'must be the SendKey from sct.ftqq.com (no spaces)');
    if (SC3_KEY.test(sendKey) && ep.hostname === TURBO_HOST) {
      throw new ChannelUrlError('host', 'does not take a ServerChan³ key (sctp...): send it to https://<uid>.push.ft07.com/send/SENDKEY.send, <uid> being the digits after "sctp"');
    }
    return { endpoint: ep.toString(), sendKey, ...options(url.searchParams) };
  },
  render(c) {
    const u = new URL(c.endpoint);
    for (const name of PARAMS) {
      const v = c[name];
      if (v !== undefined) u.searchParams.set(name, v);
    }
    return `serverchan+${u.toString()}`;
  },
  secrets: (c) => [c.sendKey],
  destinations: () => [''],
  async send(c, _destination, notice, ctx) {
    const what = `serverchan ${new URL(c.endpoint).host}`;
    const answer = await httpSend(c.endpoint, { body: serverchanForm(c, notice), timeoutMs: ctx.timeoutMs }, what);
    checkVendorCode(what, jsonBody(answer, what), CODES, [c.sendKey]);
  },
};
