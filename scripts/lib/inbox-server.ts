/**
 * A tiny web inbox for the MailCatcher of `npm run dev`: GET / is a page a person can read (newest first,
 * refreshes itself every 10 s, fits a phone screen), GET /api/messages is the same as JSON.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { CaughtMail, MailCatcher } from './mail-catcher.js';

export interface RunningInbox {
  url: string;
  close(): Promise<void>;
}

export interface InboxMessage {
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  text: string;
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;padding:12px;background:#f4f5f7;color:#1d2330}
h1{font-size:1.2rem;margin:0 0 4px}
.meta{color:#5b6475;font-size:.85rem;margin:0 0 12px}
article{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:10px 12px;margin:0 0 12px}
h2{font-size:1rem;margin:0 0 4px;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;background:#f7f8fa;padding:8px;border-radius:6px;margin:8px 0 0}
.empty{color:#5b6475}
`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function toJson(m: CaughtMail): InboxMessage {
  return {
    receivedAt: m.receivedAt.toISOString(),
    from: m.parsed.from?.text ?? '',
    to: m.envelopeTo,
    subject: m.subject,
    messageId: m.messageId,
    text: m.text,
  };
}

function newestFirst(catcher: MailCatcher): InboxMessage[] {
  return catcher.messages.map(toJson).reverse();
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

export function renderInbox(messages: readonly InboxMessage[], smtpAddress: string): string {
  const items = messages.map(
    (m) => `<article>
<h2>${escapeHtml(m.subject || '(no subject)')}</h2>
<div class="meta"><time datetime="${escapeHtml(m.receivedAt)}">${escapeHtml(formatTime(m.receivedAt))}</time> &middot; to ${escapeHtml(m.to.join(', '))}${m.from ? ` &middot; from ${escapeHtml(m.from)}` : ''}</div>
<pre>${escapeHtml(m.text)}</pre>
</article>`,
  );
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>hostwatch inbox (${messages.length})</title>
<style>${STYLE}</style>
</head><body>
<h1>hostwatch inbox</h1>
<p class="meta">${messages.length} message${messages.length === 1 ? '' : 's'} caught on ${escapeHtml(smtpAddress)}, newest first &middot; refreshes every 10 s &middot; <a href="/api/messages">JSON</a></p>
${items.length ? items.join('\n') : '<p class="empty">No mail yet. This page refreshes by itself.</p>'}
</body></html>
`;
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** Serves the catcher's messages on http://host:port (127.0.0.1 unless told otherwise). */
export async function startInbox(catcher: MailCatcher, port: number, host = '127.0.0.1'): Promise<RunningInbox> {
  const server = createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return send(res, 405, 'text/plain', 'method not allowed\n', head);
    const path = new URL(req.url ?? '/', 'http://inbox').pathname;
    if (path === '/') return send(res, 200, 'text/html', renderInbox(newestFirst(catcher), catcher.url.replace('smtp://', '')), head);
    if (path === '/api/messages') return send(res, 200, 'application/json', `${JSON.stringify(newestFirst(catcher), null, 2)}\n`, head);
    send(res, 404, 'text/plain', 'not found\n', head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
