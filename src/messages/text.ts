/**
 * A notice's words in a locale (catalog.ts): the title with the counts and the local time, each line, the closing
 * counts, durations and "... and N more". Pure apart from the catalogues read at start; English is the digest's
 * wording of ALERTING.md rule 7, byte for byte.
 */
import { formatLocalTime } from '../alerting/local-time.js';
import type { DigestLine, MetricEndLine, MetricLine } from '../alerting/types.js';
import { DEFAULT_LOCALE, translator, type Translate } from './catalog.js';

/** The counts a title and a closing line give (a notice's totals). */
export interface NoticeCounts {
  offlineTotal: number;
  recoveryTotal: number;
  conditionTotal?: number;
  resolvedTotal?: number;
}

const METRIC_LABELS: Record<string, string> = { cpu: 'cpu', memory: 'memory', disk: 'disk', load1: 'load', load5: 'load', load15: 'load' };
const PERCENT = new Set(['cpu', 'memory', 'disk']);

/** A value as lines show it: at most two decimals, with ` %` for percentages. */
export function amount(metric: string, v: number): string {
  return `${Math.round(v * 100) / 100}${PERCENT.has(metric) ? ' %' : ''}`;
}

/** `/var` for a disk, `load5` for a load, nothing for the others (the label says it). */
function itemText(line: MetricLine | MetricEndLine): string {
  if (line.item) return ` ${line.item}`;
  return line.metric.startsWith('load') ? ` ${line.metric}` : '';
}

/** The words of one locale. */
export class Messages {
  private readonly t: Translate;

  constructor(readonly locale: string = DEFAULT_LOCALE) {
    this.t = translator(locale);
  }

  /** "61 minutes" below two hours, then "26 h 1 min" (English; each catalogue says from when it counts hours). */
  duration(ms: number): string {
    const minutes = Math.max(0, Math.floor(ms / 60_000));
    if (minutes < Number(this.t('duration.hoursFrom'))) return this.t('duration.minutes', { minutes, n: String(minutes) });
    return this.t('duration.hours', { hours: String(Math.floor(minutes / 60)), minutes: String(minutes % 60) });
  }

  /** The word a line starts with: `OFFLINE`, `BACK`, `DISK`, `TEMPERATURE` (a report field), `RESOLVED`, `REBOOT`. */
  label(line: DigestLine): string {
    if (line.kind === 'offline') return this.t('label.offline');
    if (line.kind === 'recovered') return this.t('label.back');
    if (line.kind === 'resolved') return this.t('label.resolved');
    if (line.kind === 'reboot') return this.t('label.reboot');
    return this.metricLabel(line.metric);
  }

  private metricLabel(metric: string): string {
    const known = METRIC_LABELS[metric];
    return known ? this.t(`label.${known}`) : (metric.split('.').at(-1) ?? metric).toUpperCase();
  }

  /** Any line as plain text. */
  line(line: DigestLine, timezone: string): string {
    const at = (t: number) => formatLocalTime(t, timezone);
    switch (line.kind) {
      case 'offline':
        return this.t('line.offline', { name: line.name, duration: this.duration(line.offlineMs), lastReport: at(line.lastReportAt) });
      case 'recovered':
        return this.t('line.back', { name: line.name, duration: this.duration(line.goneMs), since: at(line.wentSilentAt), seen: at(line.seenAgainAt) });
      case 'metric':
        return this.t('line.metric', {
          label: this.label(line),
          name: line.name,
          item: itemText(line),
          value: amount(line.metric, line.value),
          op: this.t(`op.${line.op}`),
          threshold: amount(line.metric, line.threshold),
          duration: this.duration(line.heldMs),
          since: at(line.since),
        });
      case 'resolved':
        return this.t(line.endValue === undefined ? 'line.resolved.unreported' : 'line.resolved', {
          name: line.name,
          item: itemText(line),
          metric: line.metric,
          label: this.metricLabel(line.metric),
          value: line.endValue === undefined ? '' : amount(line.metric, line.endValue),
          duration: this.duration(line.heldMs),
          op: this.t(`op.${line.op}`),
          threshold: amount(line.metric, line.threshold),
          peak: amount(line.metric, line.peak),
          since: at(line.since),
          ended: at(line.endedAt),
        });
      case 'reboot':
        return this.t('line.reboot', { name: line.name, uptime: this.duration(line.uptime * 1000), at: at(line.at), previous: this.duration(line.previousUptime * 1000) });
    }
  }

  /** A line without its label and host, for a table that shows those in their own columns. */
  detail(line: DigestLine, timezone: string): string {
    const at = (t: number) => formatLocalTime(t, timezone);
    switch (line.kind) {
      case 'offline':
        return this.t('detail.offline', { duration: this.duration(line.offlineMs), lastReport: at(line.lastReportAt) });
      case 'recovered':
        return this.t('detail.back', { duration: this.duration(line.goneMs), seen: at(line.seenAgainAt) });
      case 'metric':
        return this.t('detail.metric', { label: this.metricLabel(line.metric), item: itemText(line), value: amount(line.metric, line.value), op: this.t(`op.${line.op}`), threshold: amount(line.metric, line.threshold), duration: this.duration(line.heldMs) });
      case 'resolved':
        return this.t(line.endValue === undefined ? 'detail.resolved.unreported' : 'detail.resolved', {
          label: this.metricLabel(line.metric),
          item: itemText(line),
          value: line.endValue === undefined ? '' : amount(line.metric, line.endValue),
          duration: this.duration(line.heldMs),
          op: this.t(`op.${line.op}`),
          threshold: amount(line.metric, line.threshold),
          peak: amount(line.metric, line.peak),
        });
      case 'reboot':
        return this.t('detail.reboot', { uptime: this.duration(line.uptime * 1000), previous: this.duration(line.previousUptime * 1000) });
    }
  }

  /** A word of the HTML mail's frame (`html.host`, ...). */
  word(key: `html.${string}`): string {
    return this.t(key);
  }

  private count(key: string, count: number): string {
    return this.t(key, { count, n: String(count) });
  }

  /** `[hostwatch] 2 hosts offline, 1 alert, 1 back online, 1 resolved at 2026-11-23 05:00 +01:00 (Europe/Berlin)`. */
  title(n: NoticeCounts, checkTime: number, timezone: string): string {
    const conditions = n.conditionTotal ?? 0;
    const resolved = n.resolvedTotal ?? 0;
    const counts: string[] = [];
    if (n.offlineTotal - conditions > 0) counts.push(this.count('count.offline', n.offlineTotal - conditions));
    if (conditions > 0) counts.push(this.count('count.alerts', conditions));
    if (n.recoveryTotal - resolved > 0) counts.push(this.count('count.back', n.recoveryTotal - resolved));
    if (resolved > 0) counts.push(this.count('count.resolved', resolved));
    return this.t('title', { counts: counts.join(this.t('list.separator')), time: formatLocalTime(checkTime, timezone, false), timezone });
  }

  testTitle(checkTime: number, timezone: string): string {
    return this.t('title.test', { time: formatLocalTime(checkTime, timezone, false), timezone });
  }

  /** The closing line: `2 hosts offline, 1 back online.`, with `1 alert, 1 resolved` when there are metric lines. */
  footer(n: NoticeCounts): string {
    const conditions = n.conditionTotal ?? 0;
    const resolved = n.resolvedTotal ?? 0;
    const parts = [this.count('count.offline', n.offlineTotal - conditions)];
    if (conditions > 0) parts.push(this.count('count.alerts', conditions));
    parts.push(this.count('count.back', n.recoveryTotal - resolved));
    if (resolved > 0) parts.push(this.count('count.resolved', resolved));
    return this.t('footer', { counts: parts.join(this.t('list.separator')) });
  }

  testFooter(): string {
    return this.t('footer.test');
  }

  /** "... and 12 more". */
  more(count: number): string {
    return this.t('more', { count: String(count) });
  }

  /** "acknowledge: https://.../ack/<token>", the line under a step line that carries its acknowledge link. */
  ack(url: string): string {
    return this.t('ack', { url });
  }
}

const cache = new Map<string, Messages>();

/** The (cached) words of `locale`; an unknown locale is English. */
export function messagesFor(locale: string = DEFAULT_LOCALE): Messages {
  let m = cache.get(locale);
  if (!m) {
    m = new Messages(locale);
    cache.set(locale, m);
  }
  return m;
}
