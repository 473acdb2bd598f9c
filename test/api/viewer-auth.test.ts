import { expect, test } from 'vitest';
import { bearerToken, cookieValue, loginCookie, tokenReads, VIEWER_COOKIE } from '../../src/api/viewer-auth.js';

const access = { public: false, viewerToken: 'viewer-token-0123456789', adminToken: 'admin-token-0123456789ab' };

test('the viewer token and the admin token read; a wrong, empty or missing one does not', () => {
  expect(tokenReads('viewer-token-0123456789', access)).toBe(true);
  expect(tokenReads('admin-token-0123456789ab', access)).toBe(true);
  expect(tokenReads('viewer-token-0123456789x', access)).toBe(false);
  expect(tokenReads('', access)).toBe(false);
  expect(tokenReads(undefined, access)).toBe(false);
  // Unset tokens never match, not even the placeholder compared against.
  expect(tokenReads('\u0000unset', { public: false })).toBe(false);
  expect(tokenReads('viewer-token-0123456789', { public: false, adminToken: access.adminToken })).toBe(false);
});

test('the cookie and the bearer token are read strictly', () => {
  expect(cookieValue(`a=1; ${VIEWER_COOKIE}=tok%20en; b=2`, VIEWER_COOKIE)).toBe('tok en');
  expect(cookieValue(`${VIEWER_COOKIE}=a; ${VIEWER_COOKIE}=b`, VIEWER_COOKIE)).toBeUndefined();
  expect(cookieValue(`${VIEWER_COOKIE}=%E0%A4%A`, VIEWER_COOKIE)).toBeUndefined();
  expect(cookieValue(`x${VIEWER_COOKIE}=a`, VIEWER_COOKIE)).toBeUndefined();
  expect(cookieValue(undefined, VIEWER_COOKIE)).toBeUndefined();
  expect(bearerToken('Bearer abc')).toBe('abc');
  expect(bearerToken('Basic abc')).toBeUndefined();
  expect(bearerToken('Bearer ')).toBeUndefined();
});

test('the login cookie is HttpOnly and SameSite=Strict, Secure over https only', () => {
  expect(loginCookie('a b', false)).toBe(`${VIEWER_COOKIE}=a%20b; Path=/; HttpOnly; SameSite=Strict`);
  expect(loginCookie('a b', true)).toBe(`${VIEWER_COOKIE}=a%20b; Path=/; HttpOnly; SameSite=Strict; Secure`);
});
