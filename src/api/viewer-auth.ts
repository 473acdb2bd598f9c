import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may read the status page and `GET /api/v1/status` (server.ts: private unless STATUS_PUBLIC=true):
 * the viewer token or the admin token, as `Authorization: Bearer <token>` or as the login cookie the page's
 * login form sets. Pure functions, so app.ts can keep using its failed-authentication limiter around them.
 */

/** Name of the HttpOnly, SameSite=Strict cookie holding the viewer (or admin) token. */
export const VIEWER_COOKIE = 'hostwatch_view';

export interface ReadAccess {
  /** `true`: the page and the status summary are open to anyone (STATUS_PUBLIC=true). */
  public: boolean;
  viewerToken?: string;
  adminToken?: string;
}

/** Constant-time string comparison (hashing first so the lengths are equal). */
function same(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header; undefined when absent, repeated or absurdly long. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  const found = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(`${name}=`))
    .map((p) => p.slice(name.length + 1));
  if (found.length !== 1) return undefined;
  try {
    const v = decodeURIComponent(found[0]!);
    return v.length > 0 && v.length <= 1024 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The bearer token of an Authorization header, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 4096 || !header.startsWith('Bearer ')) return undefined;
  const t = header.slice('Bearer '.length);
  return t.length > 0 ? t : undefined;
}

/**
 * Whether a presented token reads the page: the viewer or the admin token. Both comparisons always run, so
 * the timing does not tell which token exists. An unset token never matches.
 */
export function tokenReads(presented: string | undefined, access: ReadAccess): boolean {
  const p = presented ?? '';
  const viewer = same(p, access.viewerToken ?? '\u0000unset') && access.viewerToken !== undefined;
  const admin = same(p, access.adminToken ?? '\u0000unset') && access.adminToken !== undefined;
  return presented !== undefined && (viewer || admin);
}

/** Set-Cookie value of the login cookie; Secure when the request came over https. */
export function loginCookie(token: string, secure: boolean): string {
  return `${VIEWER_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
