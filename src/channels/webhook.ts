/**
 * `webhook+https://host/path?secret=S`: a POST of hostwatch's own JSON body (version 1, docs/channels.md) to any
 * HTTP(S) endpoint. With `secret` the body is signed (`X-Hostwatch-Signature: sha256=<hex HMAC-SHA256 of the exact
 * body bytes>`); `Idempotency-Key` is the notice id, the same on every retry of one notice.
 */
import { createHmac } from 'node:crypto';
import { carriedLines, cutEscaped, fitItems, jsonStringBytes, lineText, moreText, noticeFooter, noticeTitle, uncarriedLines, utf8Bytes, type NoticeLine } from './format.js';
import { httpSend } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { basicCredentials, basicSecrets, credentialsOf, enc, innerScheme, nonEmpty, refuseFragment, vendorUrl, withUserinfo } from './url.js';

export interface WebhookConfig {
  /** The receiver's URL (`https://host/path?query`) without userinfo and without `secret`; its query kept byte for byte. */
  endpoint: string;
  /** Basic auth from the URL's userinfo, decoded. */
  username?: string;
  password?: string;
  /** HMAC-SHA256 signing secret (`?secret=`). */
  secret?: string;
}

/** The body's schema version: bumped only for a change a receiver written for the old one would misread. */
export const WEBHOOK_VERSION = 1;
/** Largest body sent, in bytes: lines beyond it are counted in `more`. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export interface WebhookOfflineLine {
  kind: 'offline';
  host: string;
  hostId: string;
  step: number;
  offlineMs: number;
  lastReportAt: string;
  text: string;
}

export interface WebhookRecoveredLine {
  kind: 'recovered';
  host: string;
  hostId: string;
  wentSilentAt: string;
  seenAgainAt: string;
  goneMs: number;
  text: string;
}

/** The fields of every metric-rule line: the host, the rule, what it watches and since when (ISO 8601 UTC). */
interface WebhookMetricBase {
  host: string;
  hostId: string;
  rule: string;
  metric: string;
  /** The disk's mount for `disk`; `''` otherwise. */
  item: string;
  op: 'above' | 'below';
  threshold: number;
  peak: number;
  heldMs: number;
  since: string;
}

/** A metric rule that holds (docs/rules.md). */
export interface WebhookMetricLine extends WebhookMetricBase {
  kind: 'metric';
  value: number;
  step: number;
  text: string;
}

/** A metric rule that no longer holds. `endValue` is absent when the item was no longer reported. */
export interface WebhookResolvedLine extends WebhookMetricBase {
  kind: 'resolved';
  endValue?: number;
  endedAt: string;
  text: string;
}

/** An uptime that went backwards. Uptimes in seconds. */
export interface WebhookRebootLine {
  kind: 'reboot';
  host: string;
  hostId: string;
  rule: string;
  at: string;
  uptime: number;
  previousUptime: number;
  text: string;
}

/** Receivers should ignore kinds they do not know: new kinds are added without a version change. */
export type WebhookLine = WebhookOfflineLine | WebhookRecoveredLine | WebhookMetricLine | WebhookResolvedLine | WebhookRebootLine;

/** The JSON body, version 1 (docs/channels.md "webhook"). */
export interface WebhookBody {
  version: 1;
  kind: 'hostwatch.notice';
  id: string;
  run: string;
  test: boolean;
  checkTime: string;
  timezone: string;
  title: string;
  /** Hosts offline and back online; metric-rule and reboot lines (`alerts`) and resolved rules. */
  counts: { offline: number; recovered: number; alerts: number; resolved: number };
  lines: WebhookLine[];
  more: number;
  text: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function lineJson(line: NoticeLine, timezone: string, locale?: string): WebhookLine {
  const text = lineText(line, timezone, locale);
  const { name: host, hostId } = line;
  switch (line.kind) {
    case 'offline':
      return { kind: 'offline', host, hostId, step: line.step, offlineMs: line.offlineMs, lastReportAt: iso(line.lastReportAt), text };
    case 'recovered':
      return { kind: 'recovered', host, hostId, wentSilentAt: iso(line.wentSilentAt), seenAgainAt: iso(line.seenAgainAt), goneMs: line.goneMs, text };
    case 'metric':
    case 'resolved': {
      const { rule, metric, item, op, threshold, peak, heldMs } = line;
      const base: WebhookMetricBase = { host, hostId, rule, metric, item, op, threshold, peak, heldMs, since: iso(line.since) };
      if (line.kind === 'metric') return { kind: 'metric', ...base, value: line.value, step: line.step, text };
      return { kind: 'resolved', ...base, ...(line.endValue !== undefined && { endValue: line.endValue }), endedAt: iso(line.endedAt), text };
    }
    case 'reboot':
      return { kind: 'reboot', host, hostId, rule: line.rule, at: iso(line.at), uptime: line.uptime, previousUptime: line.previousUptime, text };
  }
}

/** `footer`: the closing line, or a template's body, which is then the whole `text` (the lines stay data). */
function bodyOf(n: Notice, footer: string, lines: WebhookLine[], more: number): WebhookBody {
  const texts = n.custom?.body !== undefined ? [] : [...lines.map((l) => l.text), ...(more > 0 ? [moreText(more, n.locale)] : [])];
  return {
    version: WEBHOOK_VERSION,
    kind: 'hostwatch.notice',
    id: n.id,
    run: n.run,
    test: n.test === true,
    checkTime: iso(n.checkTime),
    timezone: n.timezone,
    title: noticeTitle(n),
    counts: {
      offline: n.offlineTotal - (n.conditionTotal ?? 0),
      recovered: n.recoveryTotal - (n.resolvedTotal ?? 0),
      alerts: n.conditionTotal ?? 0,
      resolved: n.resolvedTotal ?? 0,
    },
    lines,
    more,
    text: [...texts, ...(texts.length ? [''] : []), footer].join('\n'),
  };
}

/**
 * The body as sent, at most `limit` bytes: the leading lines that fit, the rest counted in `more` (and in the
 * text's "... and N more" line). Sizes are measured on the serialised JSON, so the cut is exact. Under a channel
 * template the lines are still all there as data; `text` is the template's body (within half the limit).
 */
export function webhookBody(n: Notice, limit = WEBHOOK_BODY_LIMIT): string {
  const custom = n.custom?.body !== undefined;
  const all = carriedLines(n).map((l) => lineJson(l, n.timezone, n.locale));
  const missing = uncarriedLines(n);
  const total = all.length + missing;
  const footer = custom ? cutEscaped(noticeFooter(n), limit / 2, undefined, jsonStringBytes) : noticeFooter(n);
  type Item = { line?: WebhookLine; text: string };
  // A line costs its JSON and a comma in `lines`, and its text and an escaped newline ("\n", 2 bytes) in `text`.
  const textBytes = (t: string) => (custom ? 0 : jsonStringBytes(t) + 2);
  const size = (i: Item) => (i.line ? utf8Bytes(JSON.stringify(i.line)) + 1 : 0) + textBytes(i.text);
  // The envelope with no line, the widest `more` and the footer's separator.
  const overhead = utf8Bytes(JSON.stringify(bodyOf(n, footer, [], 0))) + String(total).length + 2;
  const fitted = fitItems<Item>(
    all.map((line) => ({ line, text: line.text })),
    { limit, overhead, size, more: (count) => ({ text: moreText(count, n.locale) }), alsoMissing: missing },
  );
  let lines = fitted.flatMap((i) => (i.line ? [i.line] : []));
  let json = JSON.stringify(bodyOf(n, footer, lines, total - lines.length));
  // The estimate above is exact or larger; this only guards it.
  while (utf8Bytes(json) > limit && lines.length > 0) {
    lines = lines.slice(0, -1);
    json = JSON.stringify(bodyOf(n, footer, lines, total - lines.length));
  }
  return json;
}

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes, keyed with the secret's UTF-8 bytes. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

function queryName(raw: string): string {
  try {
    return decodeURIComponent(raw.split('=')[0]!.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

export const webhook: ChannelKind<WebhookConfig> = {
  kind: 'webhook',
  schemes: ['webhook+https', 'webhook+http'],
  description: 'POST a signed, versioned JSON notice to any HTTP(S) endpoint',

  parse(url) {
    const scheme = innerScheme(url, 'webhook');
    refuseFragment(url);
    if (!url.hostname) throw new ChannelUrlError('host', 'is missing (webhook+https://host/path)');
    const secrets: string[] = [];
    const kept: string[] = [];
    for (const raw of url.search.replace(/^\?/, '').split('&')) {
      if (raw === '') continue;
      if (queryName(raw) === 'secret') secrets.push(new URLSearchParams(raw).get('secret') ?? '');
      else kept.push(raw);
    }
    if (secrets.length > 1) throw new ChannelUrlError('query.secret', 'is given more than once');
    if (secrets.length === 1 && secrets[0] === '') throw new ChannelUrlError('query.secret', 'is empty');
    const endpoint = vendorUrl(scheme, url.host, `${url.pathname || '/'}${kept.length ? `?${kept.join('&')}` : ''}`).toString();
    const config: WebhookConfig = { endpoint, ...credentialsOf(url) };
    if (secrets[0] !== undefined) config.secret = secrets[0];
    return config;
  },

  render(c) {
    let url = `webhook+${withUserinfo(c.endpoint, c.username, c.password)}`;
    if (c.secret !== undefined) url += `${c.endpoint.includes('?') ? '&' : '?'}secret=${enc(c.secret)}`;
    return url;
  },

  // The Basic credentials too: a receiver echoing its request headers would quote them.
  secrets: (c) => [c.secret, ...basicSecrets(c.username, c.password)].filter(nonEmpty),

  destinations: () => [''],

  async send(c, _destination, notice, ctx) {
    const what = `webhook ${new URL(c.endpoint).host}`;
    const body = webhookBody(notice);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': notice.id };
    if (c.secret !== undefined) headers['x-hostwatch-signature'] = webhookSignature(c.secret, body);
    if (c.username !== undefined) headers.authorization = `Basic ${basicCredentials(c.username, c.password ?? '')}`;
    // Any 2xx is accepted: the receiver's body is its own business.
    await httpSend(c.endpoint, { headers, body, timeoutMs: ctx.timeoutMs }, what);
  },
};
