/**
 * Channel message templates (liquidjs: markup only, it runs no code): a title and a body a channel may carry instead
 * of the default wording. A template is compiled and tried against sample notices of every kind and locale when
 * the channel is added or updated, so a bad one is refused there with its line and the reason; at send time a render
 * error falls back to the default message (the caller logs it).
 */
import { Liquid, type Template } from 'liquidjs';
import type { AlertLine, DigestLine, EndLine } from '../alerting/types.js';
import { formatLocalTime } from '../alerting/local-time.js';
import { LOCALES } from './catalog.js';
import { amount, messagesFor, type Messages, type NoticeCounts } from './text.js';

/** A channel's template: either part may be absent (that part keeps the default). */
export interface MessageTemplate {
  title?: string;
  body?: string;
}

/** The most a template may hold, and what its title and body may render to. */
export const TEMPLATE_LIMITS = { source: 16_384, title: 512, body: 65_536 } as const;

/** A template refused at add/update: `field` is `template.title` or `template.body`, `line` its line (1-based). */
export class TemplateError extends Error {
  constructor(
    readonly field: 'template.title' | 'template.body',
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${field}${line !== undefined ? ` line ${line}` : ''}: ${reason}`);
    this.name = 'TemplateError';
  }
}

const engine = new Liquid({
  strictFilters: true,
  strictVariables: true,
  ownPropertyOnly: true,
  // Bounds on what one template can cost, so that a template cannot stall a delivery.
  parseLimit: TEMPLATE_LIMITS.source,
  renderLimit: 1_000,
  memoryLimit: 4 * TEMPLATE_LIMITS.body,
});

/** What a notice gives a template (docs/messages.md lists every variable). */
export interface NoticeFacts extends NoticeCounts {
  run: string;
  checkTime: number;
  timezone: string;
  offline: readonly AlertLine[];
  recoveries: readonly EndLine[];
  test?: boolean;
}

type Scalar = string | number | boolean | null;

function ackUrlOf(line: DigestLine): string | null {
  const url = (line as { ackUrl?: unknown }).ackUrl;
  return typeof url === 'string' ? url : null;
}

/** One line as a template sees it: every key on every line (null where it does not apply), texts in the locale. */
function lineVars(m: Messages, line: DigestLine, timezone: string): Record<string, Scalar> {
  const at = (t: number | undefined) => (t === undefined ? null : formatLocalTime(t, timezone));
  const metric = line.kind === 'metric' || line.kind === 'resolved' ? line : undefined;
  const since = line.kind === 'offline' ? line.lastReportAt : line.kind === 'recovered' ? line.wentSilentAt : line.kind === 'reboot' ? line.at : line.since;
  const held = line.kind === 'offline' ? line.offlineMs : line.kind === 'recovered' ? line.goneMs : line.kind === 'reboot' ? 0 : line.heldMs;
  return {
    kind: line.kind,
    severity: line.kind === 'offline' ? 'critical' : line.kind === 'metric' || line.kind === 'reboot' ? 'warning' : 'ok',
    ended: line.kind === 'recovered' || line.kind === 'resolved',
    label: m.label(line),
    host: line.name,
    text: m.line(line, timezone),
    since: at(since),
    duration: m.duration(held),
    duration_ms: held,
    step: line.kind === 'offline' || line.kind === 'metric' ? line.step : null,
    rule: line.kind === 'offline' || line.kind === 'recovered' ? null : line.rule,
    metric: metric?.metric ?? null,
    item: metric?.item ?? null,
    op: metric?.op ?? null,
    threshold: metric ? amount(metric.metric, metric.threshold) : null,
    value: line.kind === 'metric' ? amount(line.metric, line.value) : line.kind === 'resolved' && line.endValue !== undefined ? amount(line.metric, line.endValue) : null,
    peak: metric ? amount(metric.metric, metric.peak) : null,
    ended_at: line.kind === 'resolved' ? at(line.endedAt) : line.kind === 'recovered' ? at(line.seenAgainAt) : null,
    // The acknowledge link the delivery activity adds to a step line when PUBLIC_URL is set.
    ack_url: ackUrlOf(line),
  };
}

/** The variables of a notice in a locale. */
export function templateVariables(n: NoticeFacts, locale: string): Record<string, unknown> {
  const m = messagesFor(locale);
  const conditions = n.conditionTotal ?? 0;
  const resolved = n.resolvedTotal ?? 0;
  const alerts = n.offline.map((l) => lineVars(m, l, n.timezone));
  const ended = n.recoveries.map((l) => lineVars(m, l, n.timezone));
  return {
    locale: m.locale,
    timezone: n.timezone,
    run: n.run,
    test: n.test === true,
    check_time: formatLocalTime(n.checkTime, n.timezone, false),
    check_time_iso: new Date(n.checkTime).toISOString(),
    title: n.test ? m.testTitle(n.checkTime, n.timezone) : m.title(n, n.checkTime, n.timezone),
    footer: n.test ? m.testFooter() : m.footer(n),
    counts: {
      offline: n.offlineTotal - conditions,
      alerts: conditions,
      back: n.recoveryTotal - resolved,
      resolved,
      lines: n.offlineTotal + n.recoveryTotal,
      more: Math.max(0, n.offlineTotal + n.recoveryTotal - n.offline.length - n.recoveries.length),
    },
    more_text: m.more(Math.max(0, n.offlineTotal + n.recoveryTotal - n.offline.length - n.recoveries.length)),
    lines: [...alerts, ...ended],
    alerts,
    ended,
  };
}

const HOUR = 3_600_000;
const T = Date.UTC(2026, 10, 23, 9, 0, 0);
/** Notices with a line of every kind (and an empty one, and a test one) that a template is tried against. */
const SAMPLES: NoticeFacts[] = [
  {
    run: 'check.sample',
    checkTime: T,
    timezone: 'UTC',
    offline: [
      { kind: 'offline', hostId: 'a', name: 'web-1', step: 60, offlineMs: 61 * 60_000, lastReportAt: T - 61 * 60_000 },
      { kind: 'metric', hostId: 'b', name: 'db-1', rule: 'disk-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, peak: 97, since: T - HOUR, heldMs: HOUR, value: 93, step: 60 },
      { kind: 'reboot', hostId: 'c', name: 'app-1', rule: 'reboots', at: T - 60_000, uptime: 60, previousUptime: 86_400 },
    ],
    recoveries: [
      { kind: 'recovered', hostId: 'd', name: 'web-2', wentSilentAt: T - 2 * HOUR, seenAgainAt: T - 60_000, goneMs: 2 * HOUR - 60_000 },
      { kind: 'resolved', hostId: 'b', name: 'db-2', rule: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, peak: 95, since: T - 3 * HOUR, heldMs: HOUR, endValue: 80, endedAt: T - 2 * HOUR },
    ],
    offlineTotal: 5,
    recoveryTotal: 2,
    conditionTotal: 2,
    resolvedTotal: 1,
  },
  { run: 'test', checkTime: T, timezone: 'UTC', offline: [], recoveries: [], offlineTotal: 0, recoveryTotal: 0, test: true },
];

function compile(field: TemplateError['field'], source: string): Template[] {
  if (source.length > TEMPLATE_LIMITS.source) throw new TemplateError(field, `longer than ${TEMPLATE_LIMITS.source} characters`);
  try {
    return engine.parse(source);
  } catch (err) {
    throw asTemplateError(field, err);
  }
}

function asTemplateError(field: TemplateError['field'], err: unknown): TemplateError {
  const e = err as { message?: string; token?: { getPosition?: () => [number, number] } };
  const line = e.token?.getPosition?.()[0];
  // liquidjs ends its messages with ", line:3, col:1": the line is given apart.
  const reason = String(e.message ?? err).replace(/, line:\d+, col:\d+$/, '');
  return new TemplateError(field, reason, line);
}

/**
 * Checks a template: compiles each part and renders it against sample notices in every locale with strict variables
 * and filters, so an unknown variable or filter, a syntax error or an oversized result is refused now, naming the
 * part and the line. Returns the template as given, trimmed of absent parts.
 */
export function checkTemplate(t: MessageTemplate): MessageTemplate {
  const out: MessageTemplate = {};
  for (const part of ['title', 'body'] as const) {
    const source = t[part];
    if (source === undefined) continue;
    const field = `template.${part}` as const;
    if (typeof source !== 'string' || source.trim() === '') throw new TemplateError(field, 'must be a non-empty string');
    const compiled = compile(field, source);
    for (const locale of LOCALES) {
      for (const sample of SAMPLES) {
        let text: string;
        try {
          text = engine.renderSync(compiled, templateVariables(sample, locale)) as string;
        } catch (err) {
          throw asTemplateError(field, err);
        }
        if (text.length > TEMPLATE_LIMITS[part]) throw new TemplateError(field, `renders to more than ${TEMPLATE_LIMITS[part]} characters`);
      }
    }
    out[part] = source;
  }
  return out;
}

/**
 * Renders a channel's template for a notice; parts it lacks are absent. Throws on a render error (the caller falls
 * back to the default message and logs the reason).
 */
export function renderTemplate(t: MessageTemplate, n: NoticeFacts, locale: string): { title?: string; body?: string } {
  const vars = templateVariables(n, locale);
  const out: { title?: string; body?: string } = {};
  for (const part of ['title', 'body'] as const) {
    const source = t[part];
    if (source === undefined) continue;
    const text = (engine.parseAndRenderSync(source, vars) as string).slice(0, TEMPLATE_LIMITS[part]);
    out[part] = part === 'title' ? text.replace(/\s+/g, ' ').trim() : text;
  }
  return out;
}
