/**
 * Matrix rooms: `matrix+https://matrix.example.org/?token=ACCESS_TOKEN&room=!roomid:example.org`. The part after
 * `matrix+` up to the query is the homeserver's client API base (a path prefix is kept, for a reverse proxy).
 *
 * The message is an `m.room.message` sent with `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}`,
 * the notice id as transaction id: the homeserver answers a repeated transaction with the first event instead of
 * posting it twice, which makes a retried delivery idempotent. Plain `body` and HTML `formatted_body` carry the
 * same lines, cut together to keep the event well under Matrix's 65536-byte limit.
 */
import { httpSend, jsonBody } from './http.js';
import { cutEscaped, cutText, fitItems, htmlEscape, lineBody, lineLabel, lineText, missingLines, moreText, NAME_LIMIT, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { aliasedQuery, endpointUrl } from './url.js';

export interface MatrixConfig {
  /** Homeserver base without a trailing slash, e.g. `https://matrix.example.org`. */
  server: string;
  token: string;
  /** Room id, `!…` (an alias `#…` is not resolved). */
  room: string;
}

/** Bytes of the event content as JSON; the homeserver adds signatures and hashes within the 65536 of a whole event. */
export const MATRIX_LIMIT = 60_000;
const PARAMS: Record<string, string[]> = { token: ['token', 'access_token'], room: ['room', 'room_id'] };

interface Item {
  plain: string;
  html: string;
}

function lineItem(line: NoticeLine, timezone: string, locale?: string): Item {
  const plain = lineText({ ...line, name: cutText(line.name, NAME_LIMIT) }, timezone, locale);
  return { plain, html: `<b>${lineLabel(line, locale)}</b> ${htmlEscape(lineBody(plain))}` };
}

const jsonBytes = (s: string) => utf8Bytes(JSON.stringify(s)) - 2;

function content(title: string, items: Item[], footer: string): Record<string, string> {
  const between = (lines: string[]) => (lines.length ? ['', ...lines, ''] : []);
  return {
    msgtype: 'm.text',
    body: [title, ...between(items.map((i) => i.plain)), footer].join('\n'),
    format: 'org.matrix.custom.html',
    formatted_body: [`<b>${htmlEscape(title)}</b>`, ...between(items.map((i) => i.html)), htmlEscape(footer)].join('<br>'),
  };
}

/** The `m.room.message` content for a notice. */
export function matrixContent(n: Notice): Record<string, string> {
  const title = noticeTitle(n);
  // The totals, or a template's body: sent in both forms, so each gets under half of what the lines may take.
  const footer = cutEscaped(noticeFooter(n), MATRIX_LIMIT / 2, (s) => s, (s) => jsonBytes(s) + jsonBytes(htmlEscape(s)));
  const items = fitItems(
    noticeLines(n).map((l) => lineItem(l, n.timezone, n.locale)),
    {
      limit: MATRIX_LIMIT,
      // Each line adds its text to both forms, "\n" (2 bytes in JSON) to one and "<br>" to the other; the 12 are
      // the blank lines around the host lines.
      overhead: utf8Bytes(JSON.stringify(content(title, [], footer))) + 12,
      size: (i) => jsonBytes(i.plain) + jsonBytes(i.html) + 6,
      more: (count) => ({ plain: moreText(count, n.locale), html: moreText(count, n.locale) }),
      alsoMissing: missingLines(n),
    },
  );
  return content(title, items, footer);
}

const HINTS: Record<string, string> = {
  M_UNKNOWN_TOKEN: 'the access token is not valid (logged out or deactivated); create a new one',
  M_MISSING_TOKEN: 'the access token is missing',
  M_FORBIDDEN: 'the user may not post in the room: invite it and join the room with it',
  M_NOT_FOUND: 'no such room on the homeserver',
};

export const matrix: ChannelKind<MatrixConfig> = {
  kind: 'matrix',
  schemes: ['matrix+https', 'matrix+http'],
  description: 'Matrix room message: matrix+https://<homeserver>/?token=<access token>&room=!<room id>',

  parse(url: URL): MatrixConfig {
    const u = endpointUrl(url, 'matrix');
    const param = aliasedQuery(u.searchParams, 'matrix', PARAMS);
    const token = param('token');
    if (!token) throw new ChannelUrlError('query.token', 'is missing: the access token of the user that posts');
    if (/[\s"]/.test(token)) throw new ChannelUrlError('query.token', 'must be an access token (no spaces or quotes)');
    const room = param('room');
    if (!room) throw new ChannelUrlError('query.room', 'is missing: the room id, e.g. !abcdef:example.org');
    if (room.startsWith('#')) throw new ChannelUrlError('query.room', 'is a room alias: give the room id (starts with !, Room settings → Advanced) instead');
    if (!/^![^\s/]+$/.test(room)) throw new ChannelUrlError('query.room', 'must be a room id starting with !, e.g. !abcdef:example.org');
    return { server: u.origin + u.pathname.replace(/\/+$/, ''), token, room };
  },

  render(c: MatrixConfig): string {
    return `matrix+${c.server}/?${new URLSearchParams({ token: c.token, room: c.room })}`;
  },

  secrets(c: MatrixConfig): string[] {
    return [c.token];
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: MatrixConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const what = `matrix ${new URL(c.server).host}`;
    // A test notice may be sent again with the same id; its time keeps a later test from being taken for a repeat.
    const txn = notice.test ? `${notice.id}.${notice.checkTime}` : notice.id;
    const url = `${c.server}/_matrix/client/v3/rooms/${encodeURIComponent(c.room)}/send/m.room.message/${encodeURIComponent(txn)}`;
    let answer;
    try {
      answer = await httpSend(url, { method: 'PUT', headers: { authorization: `Bearer ${c.token}` }, body: matrixContent(notice), timeoutMs: ctx.timeoutMs }, what);
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      // 429 M_LIMIT_EXCEEDED: {"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":2000}
      const ms = / HTTP 429\b/.test(err.message) ? /"retry_after_ms"\s*:\s*(\d+)/.exec(err.message)?.[1] : undefined;
      if (ms !== undefined) throw new DeliveryError(err.message, true, Number(ms));
      const code = Object.keys(HINTS).find((k) => err.message.includes(`"${k}"`));
      if (code) throw new DeliveryError(`${err.message} (${HINTS[code]})`, err.retry, err.retryAfterMs);
      throw err;
    }
    const v = jsonBody(answer, what);
    if (typeof v.event_id !== 'string') throw new DeliveryError(`${what} answered HTTP ${answer.status} without an event_id`, false);
  },
};
