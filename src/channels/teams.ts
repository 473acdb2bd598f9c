/**
 * Microsoft Teams: a Workflows (Power Automate) "Post to a channel when a webhook request is received" URL or a
 * legacy Office 365 connector incoming webhook, as `teams+https://...`. The part after `teams+` is that URL; its
 * whole path and query are the credential (`sig=` for workflows, the token path for connectors).
 *
 * The message is an Adaptive Card 1.4 in a `message` envelope, one TextBlock per host line, within Teams' 28 KB.
 */
import { httpSend, isRetryableStatus } from './http.js';
import { isEndLine } from '../alerting/types.js';
import { cutEscaped, cutText, fitItems, jsonStringBytes, lineBody, lineLabel, lineText, missingLines, moreText, NAME_LIMIT, noticeFooter, noticeLines, noticeTitle, utf8Bytes, type NoticeLine } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { endpointUrl } from './url.js';

export interface TeamsConfig {
  /** The workflow or connector URL (https or http), query included. */
  url: string;
}

/** Teams refuses messages over about 28 KB; the whole JSON body is kept under this many bytes. */
export const TEAMS_LIMIT = 27_000;

type Block = Record<string, unknown>;

function lineBlock(line: NoticeLine, timezone: string, locale?: string): Block {
  const text = lineBody(lineText({ ...line, name: cutText(line.name, NAME_LIMIT) }, timezone, locale));
  return { type: 'TextBlock', text: `**${lineLabel(line, locale)}** ${text}`, wrap: true, spacing: 'None', color: isEndLine(line) ? 'Good' : 'Attention' };
}

function envelope(body: Block[]): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' }, body },
      },
    ],
  };
}

/** The message for a notice: title, host lines (cut with "... and N more"), totals. */
export function teamsMessage(n: Notice): Record<string, unknown> {
  const title: Block = { type: 'TextBlock', text: noticeTitle(n), weight: 'Bolder', size: 'Medium', wrap: true };
  // The totals, or a template's body: within half the card, the lines get the rest.
  const footer: Block = { type: 'TextBlock', text: cutEscaped(noticeFooter(n), TEAMS_LIMIT / 2, undefined, jsonStringBytes), wrap: true, isSubtle: true, spacing: 'Medium' };
  const bytes = (v: unknown) => utf8Bytes(JSON.stringify(v));
  const lines = fitItems(
    noticeLines(n).map((l) => lineBlock(l, n.timezone, n.locale)),
    {
      limit: TEAMS_LIMIT,
      overhead: bytes(envelope([title, footer])),
      size: (b) => bytes(b) + 1,
      more: (count): Block => ({ type: 'TextBlock', text: moreText(count, n.locale), wrap: true, spacing: 'None', isSubtle: true }),
      alsoMissing: missingLines(n),
    },
  );
  return envelope([title, ...lines, footer]);
}

export const teams: ChannelKind<TeamsConfig> = {
  kind: 'teams',
  schemes: ['teams+https', 'teams+http'],
  description: 'Microsoft Teams Workflows or incoming webhook URL: teams+https://…/workflows/…?…&sig=…',

  parse(url: URL): TeamsConfig {
    const u = endpointUrl(url, 'teams');
    if (u.pathname === '/' || u.pathname === '') throw new ChannelUrlError('path', 'must be the whole workflow or webhook URL as Teams shows it (its path and query are the credential)');
    if (u.searchParams.has('sig') && !u.searchParams.get('sig')) throw new ChannelUrlError('query.sig', 'is empty: copy the whole workflow URL');
    return { url: u.href };
  },

  render(c: TeamsConfig): string {
    return `teams+${c.url}`;
  },

  secrets(c: TeamsConfig): string[] {
    const u = new URL(c.url);
    const out = new Set<string>([u.pathname + u.search]);
    const sig = u.searchParams.get('sig');
    if (sig) out.add(sig);
    for (const seg of u.pathname.split('/')) {
      if (seg.length < 16) continue;
      out.add(seg);
      try {
        out.add(decodeURIComponent(seg));
      } catch {
        // the raw form is enough
      }
    }
    return [...out];
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: TeamsConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const what = `teams ${new URL(c.url).host}`;
    const answer = await httpSend(c.url, { body: teamsMessage(notice), timeoutMs: ctx.timeoutMs }, what);
    // Workflows answer 202 with no body, connectors 200 `1`. A connector may answer 200 with the failure as text
    // ("Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 ...").
    const text = answer.text.replace(/\s+/g, ' ').trim();
    const inner = /HTTP error (\d{3})/i.exec(text);
    if (inner || /delivery failed/i.test(text)) {
      const status = inner ? Number(inner[1]) : 0;
      throw new DeliveryError(`${what} answered HTTP ${answer.status} but did not deliver: ${text.slice(0, 200)}`, isRetryableStatus(status));
    }
  },
};
