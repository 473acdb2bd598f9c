/**
 * Every channel kind, by URL scheme, and the operations on a channel URL that do not depend on its kind: parse,
 * render with secrets masked, list destinations, deliver with the error message cleaned of secrets.
 * Adding a kind: its own file, its test, and one line in KINDS.
 */
import { ChannelUrlError, DeliveryError, type AnyChannelKind, type Notice, type SendContext } from './types.js';
// kinds: mail and webhook
import { apprise } from './apprise.js';
import { gotify } from './gotify.js';
import { ntfy } from './ntfy.js';
import { webhook } from './webhook.js';
import { mailto } from './mailto.js';
// kinds: western chat and push
import { slack } from './slack.js';
import { discord } from './discord.js';
import { teams } from './teams.js';
import { telegram } from './telegram.js';
import { matrix } from './matrix.js';
import { pushover } from './pushover.js';
// kinds: Chinese IM and push
import { bark } from './bark.js';
import { dingtalk } from './dingtalk.js';
import { feishu, lark } from './feishu.js';
import { pushplus } from './pushplus.js';
import { serverchan } from './serverchan.js';
import { wecom } from './wecom.js';

export const KINDS: readonly AnyChannelKind[] = [
  // registry: mail and webhook
  webhook,
  apprise,
  ntfy,
  gotify,
  mailto,
  // registry: western chat and push
  slack,
  discord,
  teams,
  telegram,
  matrix,
  pushover,
  // registry: Chinese IM and push
  dingtalk,
  wecom,
  feishu,
  lark,
  bark,
  serverchan,
  pushplus,
];

const BY_SCHEME = new Map<string, AnyChannelKind>();
for (const k of KINDS) for (const s of k.schemes) BY_SCHEME.set(s, k);

export interface ParsedChannel {
  kind: AnyChannelKind;
  config: unknown;
}

const MASK = '***';

/** Parses a channel URL; throws {@link ChannelUrlError} naming the bad part. The message never quotes a secret. */
export function parseChannelUrl(text: string): ParsedChannel {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text.trim())?.[1]?.toLowerCase();
  if (!scheme) throw new ChannelUrlError('url', 'must start with a channel scheme such as mailto:, webhook+https:// or slack+https://');
  const kind = BY_SCHEME.get(scheme);
  if (!kind) throw new ChannelUrlError('scheme', `"${scheme}" is not a known channel kind (known: ${[...BY_SCHEME.keys()].filter((s) => s.includes('+') || s === 'mailto').join(', ')})`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ChannelUrlError('url', `is not a valid ${scheme} URL`);
  }
  return { kind, config: kind.parse(url) };
}

/** `text` with every secret of the channel masked. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ s }).toString().slice(2));
  }
  for (const s of [...forms].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
  return out;
}

/** The channel's long-form URL with its secrets masked: safe for listings, logs and errors. */
export function redactedUrl(channel: ParsedChannel): string {
  return maskSecrets(channel.kind.render(channel.config), channel.kind.secrets(channel.config));
}

export function destinationsOf(channel: ParsedChannel): string[] {
  return channel.kind.destinations(channel.config);
}

/**
 * Delivers to one destination of the channel. Any failure comes out as a {@link DeliveryError} whose message has
 * the channel's secrets masked (a vendor may echo a token; a network error may quote the URL).
 */
export async function deliver(channel: ParsedChannel, destination: string, notice: Notice, ctx: SendContext): Promise<void> {
  const secrets = channel.kind.secrets(channel.config);
  try {
    await channel.kind.send(channel.config, destination, notice, ctx);
  } catch (err) {
    const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error)?.message ?? String(err), true);
    throw new DeliveryError(maskSecrets(e.message, secrets), e.retry, e.retryAfterMs);
  }
}
