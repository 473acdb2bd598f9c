/**
 * HTML mail over a real SMTP conversation (npm smtp-server, the raw message kept as received, and mailparser): a
 * notice mail is multipart/alternative, text/plain first and text/html second; the HTML has the table, the
 * acknowledge links of the text part and no external reference; Chinese arrives intact in the subject and both parts.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fitText, noticeTitle } from '../../src/channels/format.js';
import { deliver, parseChannelUrl } from '../../src/channels/registry.js';
import type { Notice } from '../../src/channels/types.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { conditionNotice, sampleNotice } from '../channels/support.js';

const FROM = 'hostwatch <alerts@hostwatch.example>';
const ACK = 'https://hostwatch.example/ack/tok_abcdefghijklmnopqrstuvwxyz0123456789';

let server: SMTPServer;
let mailer: Mailer;
const received: { raw: string; parsed: ParsedMail }[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          received.push({ raw: raw.toString('latin1'), parsed });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mailer = createSmtpMailer(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  mailer?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

async function mail(notice: Notice): Promise<{ raw: string; parsed: ParsedMail }> {
  const before = received.length;
  await deliver(parseChannelUrl('mailto:ops@example.com'), 'ops@example.com', notice, { timeoutMs: 10_000, mailer, from: FROM });
  expect(received).toHaveLength(before + 1);
  return received.at(-1)!;
}

/** The Content-Type of each MIME part, in order. */
const partTypes = (raw: string) => [...raw.matchAll(/^Content-Type: ([\w/-]+)/gim)].map((m) => m[1]!.toLowerCase());

test('multipart/alternative: text/plain first, then text/html with the table and no external reference', async () => {
  const n = conditionNotice({ id: 'html-1' });
  n.offline[0] = { ...n.offline[0]!, ackUrl: ACK } as unknown as Notice['offline'][number];
  const { raw, parsed } = await mail(n);
  expect(partTypes(raw)).toEqual(['multipart/alternative', 'text/plain', 'text/html']);
  expect(parsed.text?.trimEnd()).toBe(`${noticeTitle(n)}\n\n${fitText(n, 1_000_000)}`);
  const html = parsed.html as string;
  expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
  expect(html).toContain('<table');
  expect(html.match(/<tr>/g)).toHaveLength(1 + n.offline.length + n.recoveries.length); // the head and one row a line
  for (const external of [/\ssrc=/i, /<img/i, /<link/i, /url\(/i, /@import/i, /<script/i]) expect(html).not.toMatch(external);
  // The acknowledge link of the text part is in the HTML too, as the only link.
  expect(parsed.text).toContain(`acknowledge: ${ACK}`);
  expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([ACK]);
});

test('Chinese: UTF-8 subject (encoded words on the wire) and both parts arrive intact', async () => {
  const n: Notice = { ...sampleNotice({ id: 'html-zh' }), locale: 'zh-CN' };
  const { raw, parsed } = await mail(n);
  expect(raw).toMatch(/^Subject: =\?UTF-8\?/im);
  expect(parsed.subject).toBe(noticeTitle(n));
  expect(parsed.subject).toMatch(/^\[hostwatch\] 2 台主机离线，1 台恢复在线（2026-11-23 05:00 \+01:00，Europe\/Berlin）$/);
  expect(parsed.text).toContain('离线  节点 web-1：已离线 1 小时 3 分钟');
  expect(parsed.text).toContain('2 台主机离线，1 台恢复在线。');
  const html = parsed.html as string;
  expect(html).toContain('<html lang="zh-CN">');
  expect(html).toContain('<meta charset="utf-8">');
  for (const word of ['状态', '节点', '详情', '开始时间', '离线', '恢复', '已离线 1 小时 3 分钟']) expect(html).toContain(word);
  expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/i);
});

test('a template body makes the mail text only (the text part is the template\'s); a title alone keeps the HTML', async () => {
  const custom = await mail({ ...sampleNotice({ id: 'html-tpl' }), custom: { title: 'Down: web-1, web-2', body: 'web-1 and web-2 are down.' } });
  expect(partTypes(custom.raw)).toEqual(['text/plain']);
  expect(custom.parsed.subject).toBe('Down: web-1, web-2');
  expect(custom.parsed.text?.trimEnd()).toBe('Down: web-1, web-2\n\nweb-1 and web-2 are down.');
  expect(custom.parsed.html).toBe(false);

  const titled = await mail({ ...sampleNotice({ id: 'html-title' }), custom: { title: 'Down' } });
  expect(partTypes(titled.raw)).toEqual(['multipart/alternative', 'text/plain', 'text/html']);
  expect(titled.parsed.subject).toBe('Down');
  expect(titled.parsed.html).toContain('<title>Down</title>');
  expect(titled.parsed.html).toMatch(/<h1 [^>]*>Down<\/h1>/);
});
