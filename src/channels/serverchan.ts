/**
 * `serverchan+https://sctapi.ftqq.com/SENDKEY.send`: Server酱 (ServerChan Turbo), which forwards to WeChat and the
 * other channels set up on sct.ftqq.com. A ServerChan³ key (`sctp<uid>t...`) goes to its own host:
 * `serverchan+https://<uid>.push.ft07.com/send/SENDKEY.send`. The SendKey is the whole credential. Sent as a form:
 * `title` (at most 32 characters), `desp` (markdown, at most 32 KB) and `short` (the card text, at most 64).
 * Only `code: 0` is accepted.
 */
import { cutText, fitItems, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';

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

/** At most `max` characters (code points), ending with "…" when cut. */
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

/** The whole title as a heading, one list item per host (the last "... and N more" when cut), the totals. */
function markdownText(n: Notice): string {
  const head = `## ${noticeTitle(n)}`;
  const footer = noticeFooter(n);
  const size = (s: string) => utf8Bytes(s) + 1;
  const items = fitItems(
    noticeLines(n).map((l) => markdownLine(l, n.timezone)),
    { limit: SERVERCHAN_DESP_LIMIT, overhead: utf8Bytes(head) + utf8Bytes(footer) + 3, size, more: (k) => `- ${moreText(k)}`, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  return [head, '', ...items, ...(items.length ? [''] : []), footer].join('\n');
}

function options(q: URLSearchParams): Pick<ServerchanConfig, (typeof PARAMS)[number]> {
  for (const name of new Set(q.keys())) {
    if (!(PARAMS as readonly string[]).includes(name)) throw new ChannelUrlError(`query.${name}`, `is not a ServerChan parameter hostwatch sets (known: ${PARAMS.join(', ')})`);
    if (q.getAll(name).length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  }
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

export const serverchan: ChannelKind<ServerchanConfig> = {
  kind: 'serverchan',
  schemes: ['serverchan+https', 'serverchan+http', 'serverchan'],
  description: 'Server酱 (ServerChan Turbo or ServerChan³): the send address with the SendKey',
  parse(url) {
    if (url.hash !== '') throw new ChannelUrlError('fragment', 'is not supported');
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    let ep: URL;
    if (scheme === 'serverchan') {
      // Short form: serverchan://SENDKEY, sent where its kind of key goes.
      if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
        throw new ChannelUrlError('url', 'must be serverchan://SENDKEY in the short form');
      }
      const key = safeDecode(url.hostname, 'path.sendkey');
      if (key === '') throw new ChannelUrlError('path.sendkey', 'is missing: write serverchan://SENDKEY');
      const sc3 = SC3_KEY.exec(key);
      ep = new URL(sc3 ? `https://${sc3[1]}.push.ft07.com/send/${encodeURIComponent(key)}.send` : `https://${TURBO_HOST}/${encodeURIComponent(key)}.send`);
    } else {
      const inner = scheme.slice('serverchan+'.length);
      if (inner !== 'https' && inner !== 'http') throw new ChannelUrlError('scheme', 'must be serverchan+https or serverchan+http');
      if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', 'is not supported: the SendKey goes in the path');
      if (url.hostname === '') throw new ChannelUrlError('host', `is missing: write serverchan+https://${TURBO_HOST}/SENDKEY.send`);
      try {
        ep = new URL(`${inner}://${url.host}${url.pathname}`);
      } catch {
        throw new ChannelUrlError('host', 'is not a valid host name');
      }
    }
    const m = /\/([^/]+)\.send$/.exec(ep.pathname);
    if (!m) throw new ChannelUrlError('path', `must end with /SENDKEY.send, as in https://${TURBO_HOST}/SENDKEY.send`);
    const sendKey = safeDecode(m[1]!, 'path.sendkey');
    if (!/^[\x21-\x7e]+$/.test(sendKey)) throw new ChannelUrlError('path.sendkey', 'must be the SendKey from sct.ftqq.com (no spaces)');
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
    const form = new URLSearchParams({
      title: cutChars(noticeTitle(notice), TITLE_LIMIT),
      desp: markdownText(notice),
      short: cutChars(noticeFooter(notice), SHORT_LIMIT),
    });
    for (const name of PARAMS) {
      const v = c[name];
      if (v !== undefined) form.set(name, v);
    }
    const answer = await httpSend(c.endpoint, { body: form, timeoutMs: ctx.timeoutMs }, what);
    const reply = jsonBody(answer, what);
    if (reply.code === 0) return;
    const secrets = [c.sendKey];
    if (typeof reply.code !== 'number') throw new DeliveryError(`${what} answered without a code: ${vendorText(reply, secrets)}`, false);
    // 40001 is a wrong key or the day's quota used up ("[AUTH]..."); 20001 a bad input. Trying again soon helps neither.
    throw new DeliveryError(`${what} refused the message: code ${reply.code} ${vendorText(reply.message ?? reply.info, secrets)}`, false);
  },
};
