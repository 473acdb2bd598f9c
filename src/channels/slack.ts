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
import { cutText, fitItems, lineText, missingLines, moreText, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';

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
/** A host name is shown with at most this many bytes, so one line always fits a section. */
const NAME_LIMIT = 100;

/** Slack's three control characters (mrkdwn and `text` alike). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The vendor URL inside `<kind>+https://...` (shared by the kinds of this group): an https or http URL without
 * userinfo or fragment. Throws {@link ChannelUrlError} naming the bad part.
 */
export function endpointUrl(url: URL, kind: string): URL {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== `${kind}+https` && scheme !== `${kind}+http`) throw new ChannelUrlError('scheme', `must be ${kind}+https or ${kind}+http`);
  if (!url.host) throw new ChannelUrlError('host', `is missing: ${kind}+https://<host>/...`);
  let inner: URL;
  try {
    inner = new URL(url.href.slice(kind.length + 1));
  } catch {
    throw new ChannelUrlError('host', `is not a valid host for ${kind}`);
  }
  if (inner.username || inner.password) throw new ChannelUrlError('userinfo', `is not used by ${kind}: the secrets go in the path or query`);
  // A `#` in a value (a Matrix room alias, say) would silently end the URL: refused, to be written %23.
  if (url.hash || inner.hash) throw new ChannelUrlError('fragment', 'is not used: write a # in a value as %23');
  return inner;
}

/**
 * The secret parts of a webhook URL: its path and query whole, each path segment after the first (Slack's
 * `/services/T/B/X`, Mattermost's `/hooks/KEY`, Rocket.Chat's `/hooks/ID/TOKEN`) and each query value.
 */
export function pathSecrets(u: URL): string[] {
  const out = new Set<string>();
  if (u.pathname !== '/' || u.search) out.add(u.pathname + u.search);
  u.pathname
    .split('/')
    .filter(Boolean)
    .slice(1)
    .forEach((s) => {
      out.add(s);
      try {
        out.add(decodeURIComponent(s));
      } catch {
        // not percent-encoded text: the raw form is enough
      }
    });
  for (const v of u.searchParams.values()) if (v) out.add(v);
  return [...out];
}

interface Item {
  plain: string;
  md: string;
}

function lineItem(line: NoticeLine, timezone: string): Item {
  const plain = slackEscape(lineText({ ...line, name: cutText(line.name, NAME_LIMIT) }, timezone));
  return { plain, md: `*${line.kind === 'offline' ? 'OFFLINE' : 'BACK'}* ${plain.replace(/^\S+\s+/, '')}` };
}

/** The Slack message for a notice: `text` and `blocks` carrying the same lines. */
export function slackMessage(n: Notice): { text: string; blocks: unknown[] } {
  const title = noticeTitle(n);
  const footer = noticeFooter(n);
  const size = (it: Item) => Math.max(utf8Bytes(it.plain), utf8Bytes(it.md)) + 1;
  const more = (count: number): Item => ({ plain: moreText(count), md: moreText(count) });
  const items = fitItems(
    noticeLines(n).map((l) => lineItem(l, n.timezone)),
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
