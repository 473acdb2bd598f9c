/**
 * Telegram bots: `telegram+https://api.telegram.org/?token=TOKEN&chat=CHAT[&thread=N][&silent=true]`. The part
 * after `telegram+` up to the query is the Bot API base (a local Bot API server or a proxy works the same); the
 * message goes to `<base>/bot<TOKEN>/sendMessage`. `telegram+https://api.telegram.org/bot<TOKEN>?chat_id=CHAT`, the
 * form Telegram's own documentation uses, is read too (`chat_id`, `message_thread_id`/`thread_id` as aliases).
 *
 * The text is HTML (`parse_mode: HTML`, `&`, `<` and `>` escaped), kept within 4096 bytes of HTML: never more
 * than Telegram's 4096 characters of visible text.
 */
import { httpSend, jsonBody } from './http.js';
import { cutText, fitText, htmlEscape, lineBody, lineLabel, lineText, NAME_LIMIT, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { aliasedQuery, decodePart, endpointUrl } from './url.js';

export interface TelegramConfig {
  /** Bot API base without a trailing slash, e.g. `https://api.telegram.org`. */
  api: string;
  token: string;
  /** A numeric chat id (`-100…` for groups and channels) or a public channel's `@username`. */
  chat: string;
  /** Forum topic (`message_thread_id`). */
  thread?: number;
  /** Sent without sound (`disable_notification`). */
  silent?: boolean;
}

export const TELEGRAM_LIMIT = 4096;
const TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const CHAT = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;
/** Query names, each with its aliases. */
const PARAMS: Record<string, string[]> = { token: ['token'], chat: ['chat', 'chat_id'], thread: ['thread', 'thread_id', 'message_thread_id'], silent: ['silent'] };

function lineHtml(line: NoticeLine, timezone: string, locale?: string): string {
  const rest = lineBody(lineText({ ...line, name: cutText(line.name, NAME_LIMIT) }, timezone, locale));
  return `<b>${lineLabel(line, locale)}</b> ${htmlEscape(rest)}`;
}

/** The HTML text for a notice. */
export function telegramText(n: Notice): string {
  const head = `<b>${htmlEscape(noticeTitle(n))}</b>\n`;
  return `${head}\n${fitText(n, TELEGRAM_LIMIT, (l) => lineHtml(l, n.timezone, n.locale), utf8Bytes(head) + 1, htmlEscape)}`;
}

export function flag(value: string | undefined, part: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ChannelUrlError(part, 'must be true or false');
}

/** A number in a JSON answer quoted by an error message (`"retry_after":5`). */
function quotedNumber(message: string, key: string): number | undefined {
  const m = new RegExp(`"${key}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?)`).exec(message);
  return m ? Number(m[1]) : undefined;
}

export const telegram: ChannelKind<TelegramConfig> = {
  kind: 'telegram',
  schemes: ['telegram+https', 'telegram+http'],
  description: 'Telegram bot message: telegram+https://api.telegram.org/?token=<bot token>&chat=<chat id>',

  parse(url: URL): TelegramConfig {
    const u = endpointUrl(url, 'telegram');
    const param = aliasedQuery(u.searchParams, 'telegram', PARAMS);
    let path = u.pathname.replace(/\/+$/, '');
    let token = param('token');
    // `/bot<digits>:<secret>` at the end of the path is the token (Telegram's documented form); not a prefix.
    const last = /\/bot(\d+(?::|%3A)[^/]*)$/i.exec(path);
    if (last) {
      if (token !== undefined) throw new ChannelUrlError('query.token', 'is given twice (in the path as /bot<token> and in the query)');
      token = decodePart('path.token', last[1]!, 'is not valid percent-encoded text');
      path = path.slice(0, -last[0].length);
    }
    if (path.split('/').some((seg) => /^bot\d+(:|%3A)/i.test(seg))) {
      throw new ChannelUrlError('path', 'must end at /bot<token> (leave out the method, e.g. /sendMessage)');
    }
    if (!token) throw new ChannelUrlError('query.token', 'is missing: the bot token @BotFather gave (token=<digits>:<letters>)');
    if (!TOKEN.test(token)) throw new ChannelUrlError(last ? 'path.token' : 'query.token', 'must be a bot token as @BotFather gives it: <digits>:<letters, digits, - and _>');
    const chat = param('chat');
    if (!chat) throw new ChannelUrlError('query.chat', 'is missing: the chat id (e.g. -1001234567890) or @channelname');
    if (!CHAT.test(chat)) throw new ChannelUrlError('query.chat', 'must be a numeric chat id (e.g. -1001234567890) or a public @channelname');
    const thread = param('thread');
    if (thread !== undefined && !/^[1-9]\d{0,15}$/.test(thread)) throw new ChannelUrlError('query.thread', 'must be the numeric id of a forum topic');
    const silent = flag(param('silent'), 'query.silent');
    return {
      api: u.origin + path,
      token,
      chat,
      ...(thread !== undefined && { thread: Number(thread) }),
      ...(silent === true && { silent }),
    };
  },

  render(c: TelegramConfig): string {
    const q = new URLSearchParams({ token: c.token, chat: c.chat });
    if (c.thread !== undefined) q.set('thread', String(c.thread));
    if (c.silent) q.set('silent', 'true');
    return `telegram+${c.api}/?${q}`;
  },

  secrets(c: TelegramConfig): string[] {
    return [c.token];
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: TelegramConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const what = `telegram ${new URL(c.api).host}`;
    const body = {
      chat_id: c.chat,
      text: telegramText(notice),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      ...(c.thread !== undefined && { message_thread_id: c.thread }),
      ...(c.silent && { disable_notification: true }),
    };
    let answer;
    try {
      answer = await httpSend(`${c.api}/bot${c.token}/sendMessage`, { body, timeoutMs: ctx.timeoutMs }, what);
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      // 429: {"ok":false,"error_code":429,"parameters":{"retry_after":5}}
      const wait = / HTTP 429\b/.test(err.message) ? quotedNumber(err.message, 'retry_after') : undefined;
      if (wait !== undefined) throw new DeliveryError(err.message, true, Math.ceil(wait * 1000));
      // A group that became a supergroup has a new id: {"parameters":{"migrate_to_chat_id":-100…}}
      const moved = quotedNumber(err.message, 'migrate_to_chat_id');
      if (moved !== undefined) throw new DeliveryError(`${err.message} (the group is now a supergroup: set chat=${moved})`, false);
      throw err;
    }
    const v = jsonBody(answer, what);
    if (v.ok !== true) {
      const reason = typeof v.description === 'string' ? v.description.slice(0, 200) : 'no "ok": true';
      throw new DeliveryError(`${what} answered HTTP ${answer.status} without accepting the message: ${reason}`, false);
    }
  },
};
