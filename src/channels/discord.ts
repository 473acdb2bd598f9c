/**
 * Discord webhooks: `discord+https://discord.com/api/webhooks/ID/TOKEN`. The part after `discord+` is the webhook
 * URL (its query, e.g. `thread_id`, is passed on); hostwatch adds `wait=true` unless the URL sets `wait`, so that
 * Discord reports a message it did not save instead of answering 204 regardless.
 *
 * The message is one embed (title, the host lines as description, red while anything holds: a host offline, a
 * rule, a reboot; green when there are only ends: back online, resolved; the totals as footer) and the title as
 * `content`, which notifications show.
 */
import { httpSend } from './http.js';
import { cutText, escapeNames, fitItems, isAlarm, lineBody, lineLabel, lineText, markdownEscape, missingLines, moreText, NAME_LIMIT, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { endpointUrl } from './url.js';

export interface DiscordConfig {
  /** The webhook URL (https or http), query included. */
  url: string;
}

/** Discord: content ≤ 2000 characters, embed title ≤ 256, description ≤ 4096 (counted here in bytes). */
const CONTENT_LIMIT = 2000;
const TITLE_LIMIT = 256;
const DESCRIPTION_LIMIT = 4096;
/** An embed footer's text: at most 2048 characters (a template's body can be longer). */
const FOOTER_LIMIT = 2048;

export const DISCORD_RED = 0xd83c3e;
export const DISCORD_GREEN = 0x2eb67d;
export const DISCORD_BLUE = 0x5865f2;

/** Backslash before every character Discord markdown may read (in host names only: our own text has none). */
const discordEscape = markdownEscape;

const PATH = /^(.*\/webhooks)\/([^/]+)\/([^/]+)\/?$/;

function parts(u: URL): { id: string; token: string } {
  const m = PATH.exec(u.pathname);
  if (!m) throw new ChannelUrlError('path', 'must be the webhook path /api/webhooks/<id>/<token> (Server settings → Integrations → Webhooks → Copy Webhook URL)');
  const [, , id, token] = m as unknown as [string, string, string, string];
  if (!/^\d+$/.test(id)) throw new ChannelUrlError('path.id', 'must be the numeric webhook id');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new ChannelUrlError('path.token', 'must be the webhook token (letters, digits, - and _)');
  return { id, token };
}

function lineMd(line: NoticeLine, timezone: string, locale?: string): string {
  const text = lineBody(lineText(escapeNames({ ...line, name: cutText(line.name, NAME_LIMIT) }, discordEscape), timezone, locale));
  return `**${lineLabel(line, locale)}** ${text}`;
}

/** The webhook body for a notice. */
export function discordMessage(n: Notice): Record<string, unknown> {
  const title = noticeTitle(n);
  const lines = fitItems(
    noticeLines(n).map((l) => lineMd(l, n.timezone, n.locale)),
    { limit: DESCRIPTION_LIMIT, overhead: 0, size: (s) => utf8Bytes(s) + 1, more: (k) => moreText(k, n.locale), alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  const color = n.test ? DISCORD_BLUE : isAlarm(n) ? DISCORD_RED : DISCORD_GREEN;
  return {
    content: cutText(title, CONTENT_LIMIT),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cutText(title, TITLE_LIMIT),
        ...(lines.length > 0 && { description: lines.join('\n') }),
        color,
        footer: { text: cutText(noticeFooter(n), FOOTER_LIMIT) },
        timestamp: new Date(n.checkTime).toISOString(),
      },
    ],
  };
}

/** A number in a JSON answer quoted by an error message (`"retry_after": 1.5`). */
function quotedNumber(message: string, key: string): number | undefined {
  const m = new RegExp(`"${key}"\\s*:\\s*(\\d+(?:\\.\\d+)?)`).exec(message);
  return m ? Number(m[1]) : undefined;
}

export const discord: ChannelKind<DiscordConfig> = {
  kind: 'discord',
  schemes: ['discord+https', 'discord+http'],
  description: 'Discord webhook: discord+https://discord.com/api/webhooks/<id>/<token>',

  parse(url: URL): DiscordConfig {
    const u = endpointUrl(url, 'discord');
    parts(u);
    return { url: u.href };
  },

  render(c: DiscordConfig): string {
    return `discord+${c.url}`;
  },

  secrets(c: DiscordConfig): string[] {
    return [parts(new URL(c.url)).token];
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: DiscordConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const target = new URL(c.url);
    if (!target.searchParams.has('wait')) target.searchParams.set('wait', 'true');
    const what = `discord ${target.host}`;
    try {
      await httpSend(target.href, { body: discordMessage(notice), timeoutMs: ctx.timeoutMs }, what);
    } catch (err) {
      // Discord's 429 says how long to wait in its body, in seconds with a fraction (more exact than Retry-After).
      if (err instanceof DeliveryError && / HTTP 429\b/.test(err.message)) {
        const seconds = quotedNumber(err.message, 'retry_after');
        if (seconds !== undefined) throw new DeliveryError(err.message, true, Math.ceil(seconds * 1000));
      }
      throw err;
    }
  },
};
