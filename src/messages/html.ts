/**
 * The HTML part of a notice mail (beside the text part, multipart/alternative): a table of hosts and conditions,
 * severity shown by a coloured label whose white text on a dark tone reads in light and dark mode alike (and when a
 * mail client inverts colours), no external images, fonts or scripts; inline styles, as mail clients want.
 */
import { bySeverity } from '../alerting/digest.js';
import { formatLocalTime } from '../alerting/local-time.js';
import type { DigestLine } from '../alerting/types.js';
import type { NoticeFacts } from './template.js';
import { escapeHtml } from '../escape-html.js';
import { messagesFor } from './text.js';

/** Label colours: contrast of white text at least 4.5:1 on each (WCAG AA). */
export const SEVERITY_COLOURS = { critical: '#b42318', warning: '#93370d', ok: '#067647' } as const;


function severity(line: DigestLine): keyof typeof SEVERITY_COLOURS {
  if (line.kind === 'offline') return 'critical';
  if (line.kind === 'metric' || line.kind === 'reboot') return 'warning';
  return 'ok';
}

function since(line: DigestLine): number {
  switch (line.kind) {
    case 'offline':
      return line.lastReportAt;
    case 'recovered':
      return line.wentSilentAt;
    case 'reboot':
      return line.at;
    default:
      return line.since;
  }
}

const CELL = 'padding:6px 10px;border-bottom:1px solid #8884;text-align:left;vertical-align:top';

/**
 * The whole HTML document of a notice in `locale`; `links` maps a line to a URL shown after it (acknowledge);
 * `title` replaces the default title (a channel template's).
 */
export function noticeHtml(n: NoticeFacts, locale: string, links?: (line: DigestLine) => string | undefined, ownTitle?: string): string {
  const m = messagesFor(locale);
  const title = ownTitle ?? (n.test ? m.testTitle(n.checkTime, n.timezone) : m.title(n, n.checkTime, n.timezone));
  const footer = n.test ? m.testFooter() : m.footer(n);
  const lines: DigestLine[] = [...[...n.offline].sort(bySeverity), ...n.recoveries];
  const missing = Math.max(0, n.offlineTotal + n.recoveryTotal - lines.length);
  const rows = lines.map((line) => {
    const colour = SEVERITY_COLOURS[severity(line)];
    const link = links?.(line);
    const linkHtml = link ? `<br><a href="${escapeHtml(link)}" style="color:inherit">${escapeHtml(link)}</a>` : '';
    return (
      `<tr><td style="${CELL}"><span style="display:inline-block;padding:2px 8px;border-radius:4px;background:${colour};color:#ffffff;font-weight:600;font-size:12px;white-space:nowrap">${escapeHtml(m.label(line))}</span></td>` +
      `<td style="${CELL};font-weight:600;word-break:break-all">${escapeHtml(line.name)}</td>` +
      `<td style="${CELL}">${escapeHtml(m.detail(line, n.timezone))}${linkHtml}</td>` +
      `<td style="${CELL};white-space:nowrap">${escapeHtml(formatLocalTime(since(line), n.timezone))}</td></tr>`
    );
  });
  const head = ['html.status', 'html.host', 'html.details', 'html.since'] as const;
  const table =
    rows.length === 0
      ? ''
      : `<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;max-width:960px;font-size:14px">` +
        `<thead><tr>${head.map((k) => `<th style="${CELL};font-size:12px;opacity:.8">${escapeHtml(m.word(k))}</th>`).join('')}</tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>` +
        (missing > 0 ? `<p style="margin:8px 0">${escapeHtml(m.more(missing))}</p>` : '');
  return (
    `<!DOCTYPE html><html lang="${escapeHtml(m.locale)}"><head><meta charset="utf-8">` +
    `<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">` +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;line-height:1.4">` +
    `<h1 style="font-size:16px;margin:0 0 12px">${escapeHtml(title)}</h1>${table}<p style="margin:12px 0 0">${escapeHtml(footer)}</p></body></html>`
  );
}
