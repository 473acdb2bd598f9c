import { expect, test } from 'vitest';
import { redactUrl, redactUrlPasswords, safeUrl } from '../src/redact.js';

test('redactUrlPasswords masks the password of every URL with userinfo, up to its last "@"', () => {
  expect(redactUrlPasswords('a smtp://alerts:pw1@mail:587 b mongodb://u:p@ss@db/x c')).toBe('a smtp://alerts:***@mail:587 b mongodb://u:***@db/x c');
  expect(redactUrlPasswords('"mongodb+srv://u:secret@cluster0.example.net/"')).toBe('"mongodb+srv://u:***@cluster0.example.net/"');
  // No password, or no userinfo: unchanged.
  for (const s of ['smtp://mail:25', 'smtp://user@mail:25', 'http://host/a:b@c', 'plain text: with @ signs']) expect(redactUrlPasswords(s)).toBe(s);
});

test('safeUrl drops the query and masks the password', () => {
  expect(safeUrl('mongodb://u:p%40ss@h1,h2/db?tlsCertificateKeyFilePassword=zz')).toBe('mongodb://u:***@h1,h2/db');
  expect(safeUrl('http://hostwatch:8080')).toBe('http://hostwatch:8080');
});

test('redactUrl masks the URL, its password (raw and decoded) and its query wherever they are quoted', () => {
  const uri = 'mongodb://hwuser:Pa%40ss-w0rd@@db:27017/?authSource=admin&token=QueryTok3n';
  const message = `bad "${uri}"; password Pa@ss-w0rd; raw Pa%40ss-w0rd; query authSource=admin&token=QueryTok3n`;
  const out = redactUrl(message, uri);
  expect(out).toBe('bad "mongodb://hwuser:***@db:27017/"; password ***; raw ***; query ***');
  for (const s of ['Pa%40ss', 'Pa@ss', 'QueryTok3n']) expect(out).not.toContain(s);
  expect(redactUrl('connect ECONNREFUSED 127.0.0.1:1', 'mongodb://u:pw-long@127.0.0.1:1/')).toBe('connect ECONNREFUSED 127.0.0.1:1');
});
