/** `hostwatch channels ...` as real processes against a fresh FerretDB database and a real SMTP server. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { KINDS } from '../../src/channels/registry.js';
import { messageIdFor } from '../../src/mail/mailer.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { connectMongo, type MongoHandle } from '../../src/store/mongo.js';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { loopback, type Loopback } from '../channels/support.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SMTP_PASSWORD = 'smtp-Pa55-cli-4471';
const FROM = 'hostwatch <alerts@cli.example>';
const TZ = 'Asia/Kolkata';

let mongo: MongoHandle;
let store: ChannelStore;
let catcher: MailCatcher;
let env: Record<string, string>;

beforeAll(async () => {
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  mongo = await connectMongo(inject('mongoUri'), dbName);
  store = new ChannelStore(mongo.db);
  // Recipients starting with `grey` get 450 at RCPT TO, `gone` 550; only SMTP_PASSWORD logs in.
  catcher = await new MailCatcher({ password: SMTP_PASSWORD }).start();
  catcher.refuseRecipient = (address) =>
    address.startsWith('grey') ? { code: 450, message: '4.7.1 greylisted, try again later' } : address.startsWith('gone') ? { code: 550, message: '5.1.1 no such user here' } : undefined;
  const port = catcher.port;
  env = {
    MONGODB_URI: inject('mongoUri'),
    MONGODB_DB: dbName,
    SMTP_URL: `smtp://hostwatch:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    ALERT_FROM: FROM,
    HOSTWATCH_TIMEZONE: TZ,
  };
});

afterAll(async () => {
  await catcher?.stop();
  await mongo.db.dropDatabase();
  await mongo.close();
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['channels', ...args], env);

/** The CLI with `input` on its stdin (hostwatchCli leaves stdin open). */
function cliWithStdin(input: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/client.ts', 'channels', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function noSecret(r: CliResult, ...secrets: string[]): void {
  for (const s of [SMTP_PASSWORD, ...secrets]) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

const to = (address: string) => catcher.messages.filter((m) => m.envelopeTo.includes(address));

test('add, list (table and --json), update and remove a mailto channel', async () => {
  expect(ok(await cli('add', 'ops', 'mailto:Ops@Example.com,oncall@example.com'))).toBe('added channel "ops" (mailto, 2 destinations): mailto:ops@example.com,oncall@example.com\n');
  expect((await store.get('ops'))!.url).toBe('mailto:Ops@Example.com,oncall@example.com');
  ok(await cli('add', 'backup', 'mailto:backup@example.com'));

  const [table, json] = await Promise.all([cli('list'), cli('list', '--json')]);
  const lines = ok(table).trimEnd().split('\n');
  expect(lines[0]).toMatch(/^NAME +KIND +DESTINATIONS +URL$/);
  expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
    ['backup', 'mailto', '1', 'mailto:backup@example.com'],
    ['ops', 'mailto', '2', 'mailto:ops@example.com,oncall@example.com'],
  ]);
  const rows = JSON.parse(ok(json)) as Record<string, unknown>[];
  expect(rows.map((r) => r.name)).toEqual(['backup', 'ops']);
  expect(rows[1]).toEqual({
    name: 'ops',
    kind: 'mailto',
    destinations: 2,
    url: 'mailto:ops@example.com,oncall@example.com',
    createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
  });

  expect(ok(await cli('update', 'ops', 'mailto:ops@example.com'))).toBe('updated channel "ops" (mailto, 1 destination): mailto:ops@example.com\n');
  expect((await store.get('ops'))!.url).toBe('mailto:ops@example.com');
  expect(ok(await cli('remove', 'backup'))).toBe('removed channel "backup"\n');
  expect(await store.get('backup')).toBeNull();
});

test('a URL can come from stdin when URL is "-"', async () => {
  expect(ok(await cliWithStdin('mailto:stdin@example.com\n', 'add', 'from-stdin', '-'))).toBe('added channel "from-stdin" (mailto, 1 destination): mailto:stdin@example.com\n');
  ok(await cliWithStdin('mailto:stdin2@example.com', 'update', 'from-stdin', '-'));
  expect((await store.get('from-stdin'))!.url).toBe('mailto:stdin2@example.com');
  usage(await cliWithStdin('', 'add', 'empty-stdin', '-'), 'URL: nothing on stdin (URL "-" reads the channel URL from stdin)');
  usage(await cliWithStdin('mailto:a@example.com\nmailto:b@example.com\n', 'add', 'two-lines', '-'), 'URL: stdin must hold one line, the channel URL, not 2');
  expect(await store.get('empty-stdin')).toBeNull();
});

test('bad input exits 2 naming the field; duplicate and unknown names too; nothing is stored', async () => {
  ok(await cli('add', 'taken', 'mailto:taken@example.com'));
  const [dup, badName, badUrl, unknownKind, updateGhost, removeGhost, testGhost, missing] = await Promise.all([
    cli('add', 'taken', 'mailto:other@example.com'),
    cli('add', 'bad name', 'mailto:a@example.com'),
    cli('add', 'new1', 'mailto:a@example.com,nope'),
    cli('add', 'new2', 'nosuchkind+https://example.com/hook/t0ken-Zq81x'),
    cli('update', 'ghost', 'mailto:a@example.com'),
    cli('remove', 'ghost'),
    cli('test', 'ghost'),
    cli('add', 'new3'),
  ]);
  usage(dup, 'a channel named "taken" already exists');
  usage(badName, 'invalid channel name "bad name": use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit');
  usage(badUrl, 'invalid channel url: address[1] is not an email address: "nope"');
  expect(unknownKind.code).toBe(2);
  expect(unknownKind.stderr).toMatch(/^hostwatch: invalid channel url: scheme "nosuchkind\+https" is not a known channel kind/);
  noSecret(unknownKind, 't0ken-Zq81x');
  for (const r of [updateGhost, removeGhost, testGhost]) usage(r, 'no channel named "ghost"');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("missing required argument 'url'");
  expect((await store.get('taken'))!.url).toBe('mailto:taken@example.com');
  expect(await store.collection.countDocuments({ name: { $in: ['bad name', 'new1', 'new2', 'new3', 'ghost'] } })).toBe(0);
});

test('channels test sends a test notice to every address: exit 0, one "ok" line each, the mail arrives', async () => {
  ok(await cli('add', 'team', 'mailto:alice@example.com,bob@example.com'));
  const before = Date.now();
  const r = await cli('test', 'team');
  expect(ok(r)).toBe('ok  alice@example.com\nok  bob@example.com\n');
  noSecret(r);
  const [alice, bob] = [to('alice@example.com'), to('bob@example.com')];
  expect(alice).toHaveLength(1);
  expect(bob).toHaveLength(1);
  const mail = alice[0]!.parsed;
  expect(alice[0]!.envelopeTo).toEqual(['alice@example.com']);
  expect(mail.subject).toMatch(/^\[hostwatch\] test notice at \d{4}-\d{2}-\d{2} \d{2}:\d{2} \+05:30 \(Asia\/Kolkata\)$/);
  expect(mail.text).toContain('This is a test notice from hostwatch');
  expect(mail.from?.value).toEqual([{ name: 'hostwatch', address: 'alerts@cli.example' }]);
  const stamp = Number(/^<hostwatch\.test\.team\.(\d+)@cli\.example>$/.exec(mail.messageId ?? '')?.[1]);
  expect(stamp).toBeGreaterThanOrEqual(before);
  expect(mail.messageId).toBe(messageIdFor(`test.team.${stamp}`, FROM));
  expect(bob[0]!.parsed.messageId).toBe(mail.messageId);
});

test('channels test exits 1 naming each address that refused and why; the others still get their mail', async () => {
  ok(await cli('add', 'mixed', 'mailto:carol@example.com,gone@example.com,grey@example.com'));
  const r = await cli('test', 'mixed');
  expect(r.code).toBe(1);
  expect(r.stdout).toBe(
    [
      'ok  carol@example.com',
      'FAILED  gone@example.com: mail server refused gone@example.com at RCPT TO: SMTP 550 5.1.1 no such user here (would not retry)',
      'FAILED  grey@example.com: mail server refused grey@example.com at RCPT TO: SMTP 450 4.7.1 greylisted, try again later (would retry)',
      '',
    ].join('\n'),
  );
  expect(r.stderr).toBe(
    [
      'hostwatch: channel "mixed": 2 of 3 destinations did not accept the test notice:',
      '  gone@example.com: mail server refused gone@example.com at RCPT TO: SMTP 550 5.1.1 no such user here (would not retry)',
      '  grey@example.com: mail server refused grey@example.com at RCPT TO: SMTP 450 4.7.1 greylisted, try again later (would retry)',
      '',
    ].join('\n'),
  );
  noSecret(r);
  expect(to('carol@example.com')).toHaveLength(1);
  expect(to('gone@example.com')).toHaveLength(0);
});

test('channels test with the mail server down exits 1 and never shows the SMTP password', async () => {
  ok(await cli('add', 'down', 'mailto:dave@example.com'));
  const r = await hostwatchCli(['channels', 'test', 'down'], { ...env, SMTP_URL: `smtp://hostwatch:${SMTP_PASSWORD}@127.0.0.1:1` });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^FAILED {2}dave@example\.com: mail to dave@example\.com failed \(\w+\): .*ECONNREFUSED.* \(would retry\)\n$/);
  expect(r.stderr).toContain('dave@example.com');
  noSecret(r);
});

test('listing a stored URL of a kind this version does not know shows its scheme only', async () => {
  const token = 'R0utingKey-5ecret-cli';
  const now = new Date();
  await store.collection.insertOne({ _id: new ObjectId(), name: 'zz-legacy', url: `pagerduty+https://events.example.com/v2?routing_key=${token}`, createdAt: now, updatedAt: now });
  const [table, json, tested] = await Promise.all([cli('list'), cli('list', '--json'), cli('test', 'zz-legacy')]);
  expect(ok(table)).toMatch(/^zz-legacy +unknown +0 +pagerduty\+https:\*\*\* \(unusable: scheme /m);
  expect((JSON.parse(ok(json)) as { name: string; url: string }[]).find((c) => c.name === 'zz-legacy')!.url).toBe('pagerduty+https:***');
  expect(tested.code).toBe(2);
  expect(tested.stderr).toMatch(/^hostwatch: channel "zz-legacy" cannot be used: invalid channel url: scheme /);
  for (const r of [table, json, tested]) noSecret(r, token);
});

// The webhook kind is registered by its own change; when present it shows secrets kept out of every output.
test.runIf(KINDS.some((k) => k.kind === 'webhook'))('a webhook channel: its password and signing secret are never printed, even when the receiver echoes them', async () => {
  const password = 'Basic-Passw0rd-cli';
  const secret = 'Sign-S3cret-cli';
  const lb: Loopback = await loopback();
  try {
    const url = `${lb.base.replace('http://', 'webhook+http://hook-user:' + password + '@')}/hook?secret=${secret}`;
    const added = await cli('add', 'hook', url);
    expect(ok(added)).toMatch(/^added channel "hook" \(webhook, 1 destination\): webhook\+http:\/\/\S+\n$/);
    const [table, json] = await Promise.all([cli('list'), cli('list', '--json')]);
    ok(table);
    ok(json);
    const passed = await cli('test', 'hook');
    expect(ok(passed)).toBe('ok  hook\n');
    expect(lb.requests).toHaveLength(1);

    lb.answer = (r) => ({ status: 500, body: `${r.path}?${r.query.toString()} ${JSON.stringify(r.headers)} ${password} ${secret}` });
    const failed = await cli('test', 'hook');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAILED {2}hook: .*500.* \(would retry\)\n$/);
    expect(failed.stderr).toContain('hook');
    for (const r of [added, table, json, passed, failed]) noSecret(r, password, secret);
  } finally {
    await lb.close();
  }
});

test('every verb has --help with an example', async () => {
  const verbs = ['add', 'list', 'update', 'remove', 'test'];
  const helps = await Promise.all([cli('--help'), ...verbs.map((v) => cli(v, '--help'))]);
  const top = ok(helps[0]!);
  for (const v of verbs) expect(top).toContain(v);
  expect(top).toContain('mailto');
  helps.slice(1).forEach((h, i) => {
    const out = ok(h);
    expect(out).toContain(`Usage: hostwatch channels ${verbs[i]}`);
    expect(out).toMatch(new RegExp(`Examples?:\\n {2}hostwatch channels ${verbs[i]}`));
  });
  expect(ok(helps[1]!)).toContain('"-" to read it from stdin');
  expect(ok(helps[5]!)).toContain('Exit code 0 when every destination accepted');
});
