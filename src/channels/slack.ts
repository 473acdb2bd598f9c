/**
 * Slack incoming webhooks (and the Slack-compatible incoming webhooks of Mattermost and Rocket.Chat):
 * `slack+https://hooks.slack.com/services/T.../B.../...`. The part after `slack+` is the webhook URL itself, so
 * the same kind posts to any server that accepts Slack's `text` field.
 *
 * The message has a plain `text` (Slack's notification fallback; the whole message for Mattermost and Rocket.Chat,
 * which ignore `blocks`) and Block Kit `blocks`: a header with the title, sections of mrkdwn lines, a context block
 * with the totals. Both hold the same lines, cut once to fit the smallest limit (text ≤ 4000 characters).
 */
import { httpSend } from './http.js';
import { cutEscaped, cutText, fitItems, htmlEscape, lineBody, lineLabel, lineText, missingLines, moreText, NAME_LIMIT, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { endpointUrl, pathSecrets } from './url.js';

export interface SlackConfig {
  /** The incoming webhook URL (https or http), query included. */
  url: string;
}

/** Slack's `text` is cut by chat.postMessage beyond 4000 characters (`msg_too_long`); kept under it in bytes. */
const TEXT_LIMIT = 3900;
/** Block Kit: at most 50 blocks; a section's text at most 3000 characters; a header's at most 150. */
const MAX_BLOCKS = 50;
const SECTION_LIMIT = 3000;
const HEADER_LIMIT = 150;

/** Slack's three control characters (mrkdwn and `text` alike) are HTML's: `&`, `<` and `>` as entities. */
const slackEscape = htmlEscape;

interface Item {
  plain: string;
  md: string;
}

function lineItem(line: NoticeLine, timezone: string, locale?: string): Item {
  const plain = slackEscape(lineText({ ...line, name: cutText(line.name, NAME_LIMIT) }, timezone, locale));
  return { plain, md: `*${lineLabel(line, locale)}* ${lineBody(plain)}` };
}

/** The Slack message for a notice: `text` and `blocks` carrying the same lines. */
export function slackMessage(n: Notice): { text: string; blocks: unknown[] } {
  const title = noticeTitle(n);
  // The totals, or a template's body, escaped like the lines: within a context block's text and with the title in `text`.
  const footer = cutEscaped(noticeFooter(n), Math.min(SECTION_LIMIT, TEXT_LIMIT - utf8Bytes(slackEscape(title)) - 3), slackEscape);
  const size = (it: Item) => Math.max(utf8Bytes(it.plain), utf8Bytes(it.md)) + 1;
  const more = (count: number): Item => ({ plain: moreText(count, n.locale), md: moreText(count, n.locale) });
  const items = fitItems(
    noticeLines(n).map((l) => lineItem(l, n.timezone, n.locale)),
    {
      limit: TEXT_LIMIT,
      overhead: utf8Bytes(slackEscape(title)) + utf8Bytes(footer) + 3,
      size,
      more,
      alsoMissing: missingLines(n),
      cut: (it, room) => ({ plain: cutText(it.plain, room - 1), md: cutText(it.md, room - 1) }),
    },
  );
  const text = [slackEscape(title), ...(items.length ? ['', ...items.map((i) => i.plain), ''] : []), footer].join('\n');

  // Sections of whole lines, each within Slack's section limit (the lines total under 4000, so few are needed).
  const sections: string[] = [];
  for (const { md } of items) {
    const last = sections[sections.length - 1];
    if (last !== undefined && utf8Bytes(last) + 1 + utf8Bytes(md) <= SECTION_LIMIT) sections[sections.length - 1] = `${last}\n${md}`;
    else sections.push(md);
  }
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cutText(title, HEADER_LIMIT), emoji: false } },
    ...sections.slice(0, MAX_BLOCKS - 2).map((s) => ({ type: 'section', text: { type: 'mrkdwn', text: s } })),
    { type: 'context', elements: [{ type: 'mrkdwn', text: footer }] },
  ];
  return { text, blocks };
}

/** What a Slack answer code means for the operator. */
const HINTS: Record<string, string> = {
  invalid_token: 'the webhook was revoked or its URL is wrong; create a new one',
  no_service: 'the webhook was removed or disabled; create a new one',
  no_team: 'the workspace of the webhook no longer exists',
  team_disabled: 'the workspace of the webhook is disabled',
  channel_not_found: 'the channel of the webhook no longer exists',
  channel_is_archived: 'the channel of the webhook is archived',
  action_prohibited: 'a workspace admin restricted posting to the channel',
  posting_to_general_channel_denied: 'only admins may post to the channel of the webhook',
  invalid_payload: 'the server refused the message format',
};

function withHint(err: DeliveryError): DeliveryError {
  const code = Object.keys(HINTS).find((c) => err.message.includes(c));
  return code ? new DeliveryError(`${err.message} (${HINTS[code]})`, err.retry, err.retryAfterMs) : err;
}

export const slack: ChannelKind<SlackConfig> = {
  kind: 'slack',
  schemes: ['slack+https', 'slack+http'],
  description: 'Slack incoming webhook (also Mattermost and Rocket.Chat incoming webhooks): slack+https://hooks.slack.com/services/T…/B…/…',

  parse(url: URL): SlackConfig {
    const u = endpointUrl(url, 'slack');
    if (u.pathname === '/' || u.pathname === '') throw new ChannelUrlError('path', 'must be the incoming webhook path, e.g. /services/T…/B…/… (Slack) or /hooks/… (Mattermost, Rocket.Chat)');
    return { url: u.href };
  },

  render(c: SlackConfig): string {
    return `slack+${c.url}`;
  },

  secrets(c: SlackConfig): string[] {
    return pathSecrets(new URL(c.url));
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: SlackConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const what = `slack ${new URL(c.url).host}`;
    let answer;
    try {
      answer = await httpSend(c.url, { body: slackMessage(notice), timeoutMs: ctx.timeoutMs }, what);
    } catch (err) {
      throw err instanceof DeliveryError ? withHint(err) : err;
    }
    // Slack and Mattermost answer `ok`, Rocket.Chat `{"success":true}`; an explicit refusal in a 2xx is permanent.
    const body = answer.text.trim();
    if (body.startsWith('{')) {
      let v: Record<string, unknown> | undefined;
      try {
        v = JSON.parse(body) as Record<string, unknown>;
      } catch {
        v = undefined;
      }
      if (v && (v.ok === false || v.success === false)) {
        const reason = typeof v.error === 'string' ? v.error : 'the message was not posted';
        throw withHint(new DeliveryError(`${what} answered HTTP ${answer.status} refusing the message: ${reason.slice(0, 200)}`, false));
      }
    }
  },
};
