import { expect, test } from 'vitest';
import { isPermanentSmtpFailure, messageIdFor, smtpConnectionOptions } from '../../src/mail/mailer.js';

const SHAPE = /^<[A-Za-z0-9.-]+@[^>]+>$/;

test('messageIdFor takes the domain from a display-name address', () => {
  expect(messageIdFor('run1', 'hostwatch <alerts@b.example>')).toBe('<hostwatch.run1@b.example>');
  expect(messageIdFor('run1', '"Ops Team" <a@mail.ops.example>')).toBe('<hostwatch.run1@mail.ops.example>');
});

test('messageIdFor takes the domain from a bare address', () => {
  expect(messageIdFor('run1', 'a@b.example')).toBe('<hostwatch.run1@b.example>');
  expect(messageIdFor('run1', 'alerts@c.example  ')).toBe('<hostwatch.run1@c.example>');
});

test('messageIdFor falls back to hostwatch.invalid when the sender has no domain', () => {
  expect(messageIdFor('run1', 'hostwatch')).toBe('<hostwatch.run1@hostwatch.invalid>');
});

test('messageIdFor sanitises run keys with colons and slashes into a valid id', () => {
  const id = messageIdFor('check-host-status/2026-11-23T12:00:00Z', 'hostwatch <alerts@b.example>');
  expect(id).toBe('<hostwatch.check-host-status-2026-11-23T12-00-00Z@b.example>');
  expect(id).toMatch(SHAPE);
  for (const key of ['a:b', 'x/y/z', 'wf id with spaces', 'ü@<>', 'run.1-2']) {
    const out = messageIdFor(key, 'a@b.example');
    expect(out).toMatch(SHAPE);
    expect(out.endsWith('@b.example>')).toBe(true);
  }
});

test('messageIdFor is deterministic per run key and differs between run keys', () => {
  const from = 'hostwatch <alerts@b.example>';
  expect(messageIdFor('run-a', from)).toBe(messageIdFor('run-a', from));
  expect(messageIdFor('run-a', from)).not.toBe(messageIdFor('run-b', from));
});

test('isPermanentSmtpFailure: only a numeric 5xx response code is permanent', () => {
  expect(isPermanentSmtpFailure({ responseCode: 550 })).toBe(true);
  expect(isPermanentSmtpFailure({ responseCode: 554 })).toBe(true);
  expect(isPermanentSmtpFailure(Object.assign(new Error('Invalid login'), { responseCode: 535 }))).toBe(true);
  expect(isPermanentSmtpFailure({ responseCode: 500 })).toBe(true);
  expect(isPermanentSmtpFailure({ responseCode: 599 })).toBe(true);
  expect(isPermanentSmtpFailure({ responseCode: 600 })).toBe(false);
  expect(isPermanentSmtpFailure({ responseCode: 421 })).toBe(false);
  expect(isPermanentSmtpFailure({ responseCode: 451 })).toBe(false);
  expect(isPermanentSmtpFailure({ responseCode: '550' })).toBe(false);
  expect(isPermanentSmtpFailure({ responseCode: undefined })).toBe(false);
  expect(isPermanentSmtpFailure(new Error('connect ECONNREFUSED'))).toBe(false);
  expect(isPermanentSmtpFailure(undefined)).toBe(false);
  expect(isPermanentSmtpFailure(null)).toBe(false);
  expect(isPermanentSmtpFailure(550)).toBe(false);
  expect(isPermanentSmtpFailure('550 rejected')).toBe(false);
});

test('smtpConnectionOptions reads host, port, TLS and percent-encoded credentials from the URL', () => {
  expect(smtpConnectionOptions('smtp://mail.example.com')).toEqual({ host: 'mail.example.com', secure: false });
  expect(smtpConnectionOptions('smtps://mail.example.com')).toEqual({ host: 'mail.example.com', secure: true });
  expect(smtpConnectionOptions('smtp://alerts%40example.com:p%40ss%3Aw0rd@mail.example.com:587')).toEqual({
    host: 'mail.example.com',
    port: 587,
    secure: false,
    auth: { user: 'alerts@example.com', pass: 'p@ss:w0rd' },
  });
  expect(smtpConnectionOptions('smtp://[::1]:2525')).toEqual({ host: '::1', port: 2525, secure: false });
});
