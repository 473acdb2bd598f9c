/**
 * The pages of the acknowledge link (ack-routes.ts): what the link names with one "Acknowledge" button, the result,
 * and the refusals. No script, one inline style (the login page's CSP), the form posting to the link itself.
 */
import { escapeHtml } from '../escape-html.js';
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; }
body { margin:0; font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; display:grid; place-items:center; min-height:100vh; }
main { display:grid; gap:10px; padding:20px; max-width:420px; width:100%; }
h1 { font-size:1.35rem; margin:0; }
dl { display:grid; grid-template-columns:auto 1fr; gap:4px 12px; margin:0; }
dt { font-weight:600; }
dd { margin:0; overflow-wrap:anywhere; }
p { margin:0; }
button { font:inherit; padding:8px 10px; }
`;


function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>hostwatch: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** What the page says about the instance: host, condition and since when (times already formatted). */
export interface AckPageFacts {
  host: string;
  condition: string;
  since: string;
  /** Already acknowledged: by whom and when. */
  ack?: { by: string; at: string };
}

function facts(f: AckPageFacts): string {
  const rows: [string, string][] = [
    ['Host', f.host],
    ['Condition', f.condition],
    ['Since', f.since],
    ...(f.ack ? ([['Acknowledged', `by ${f.ack.by} at ${f.ack.at}`]] as [string, string][]) : []),
  ];
  return `<dl>\n${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`;
}

/**
 * GET: the instance and, unless it is acknowledged already, the button. Mail scanners fetch links to check them:
 * a GET never acknowledges. `action` is the token itself, relative to `/ack/`.
 */
export function ackFormHtml(f: AckPageFacts, action: string): string {
  const form = f.ack
    ? '<p>This alert is acknowledged: no further notices are sent for it; its end still is.</p>'
    : `<p>Acknowledging stops further notices for this alert, for everyone; its end is still sent.</p>\n<form method="post" action="${escapeHtml(action)}"><button type="submit">Acknowledge</button></form>`;
  return page('Acknowledge alert', `${facts(f)}\n${form}`);
}

/** POST: the result. */
export function ackDoneHtml(f: AckPageFacts & { ack: { by: string; at: string } }, already: boolean): string {
  const note = already ? '<p>It had been acknowledged already; that acknowledgement is kept.</p>' : '<p>No further notices are sent for this alert; its end still is.</p>';
  return page(already ? 'Already acknowledged' : 'Acknowledged', `${facts(f)}\n${note}`);
}

/** A refusal: a bad link (403), an unknown host (404), an alert that has ended (410), too many bad links (429). */
export function ackRefusalHtml(title: string, text: string): string {
  return page(title, `<p>${escapeHtml(text)}</p>`);
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** No script at all; the form posts to this origin only. */
export const ACK_PAGE_CSP = ["default-src 'none'", `style-src 'sha256-${sha256(STYLE)}'`, "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"].join('; ');
