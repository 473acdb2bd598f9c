/**
 * Reading and writing channel URLs, the parts every kind does alike: the `<kind>+https` scheme, the refusals (a
 * fragment, a broken percent-encoding, unknown or repeated query parameters, userinfo where none belongs), the
 * vendor URL inside `<kind>+https://...`, userinfo as Basic credentials. Each kind still spells out its own URL form,
 * in the order it checks it, and its own words for what is wrong.
 */
import { ChannelUrlError } from './types.js';

export const enc = encodeURIComponent;

/** Printable ASCII without spaces: a token or key that goes into a header or a URL as it is. */
export const PRINTABLE = /^[\x21-\x7e]+$/;

/** The URL's scheme without its colon, lower-cased: `dingtalk+https`, `dingtalk`. */
export function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1).toLowerCase();
}

/** `https` or `http`, from a `<kind>+https` or `<kind>+http` URL; any other scheme is refused. */
export function innerScheme(url: URL, kind: string): 'https' | 'http' {
  const scheme = schemeOf(url);
  if (scheme === `${kind}+https`) return 'https';
  if (scheme === `${kind}+http`) return 'http';
  throw new ChannelUrlError('scheme', `must be ${kind}+https or ${kind}+http`);
}

/** A `#` in a value would silently end the URL: refused (`reason` in the kind's words). */
export function refuseFragment(url: URL, reason = "is not allowed (percent-encode a '#' as %23)"): void {
  if (url.hash !== '') throw new ChannelUrlError('fragment', reason);
}

/** For kinds whose secrets go in the path or query: a user or password in the URL is refused. */
export function refuseUserinfo(url: URL, reason: string): void {
  if (url.username !== '' || url.password !== '') throw new ChannelUrlError('userinfo', reason);
}

/** The short form `<kind>://VALUE[?query]` holds its value as the host: a path, a port or a user is refused. */
export function shortFormOnly(url: URL, form: string): void {
  if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '') {
    throw new ChannelUrlError('url', `must be ${form} in the short form`);
  }
}

/** A percent-encoded part of the URL, decoded; `part` names it in the error. */
export function decodePart(part: string, raw: string, reason = 'has a bad percent-encoding'): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ChannelUrlError(part, reason);
  }
}

/** `<scheme>://<host><rest>`, the vendor's own URL; a host its parser refuses is the channel URL's `host` part. */
export function vendorUrl(scheme: 'https' | 'http', host: string, rest: string): URL {
  try {
    return new URL(`${scheme}://${host}${rest}`);
  } catch {
    throw new ChannelUrlError('host', 'is not a valid host name');
  }
}

/** The one value of each known query parameter; the first unknown or repeated parameter, as written, is refused. */
export function queryOf(url: URL, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!known.includes(name)) throw new ChannelUrlError(`query.${name}`, `is not a parameter of this kind (known: ${known.join(', ')})`);
    if (out.has(name)) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
    out.set(name, value);
  }
  return out;
}

/** Refuses, name by name in the order first written, a parameter not in `known` (`unknown`: why) or one given twice. */
export function checkParams(q: URLSearchParams, known: readonly string[], unknown: string): void {
  for (const name of new Set(q.keys())) {
    if (!known.includes(name)) throw new ChannelUrlError(`query.${name}`, unknown);
    if (q.getAll(name).length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  }
}

/** The value of `name` when given once (undefined when not given); refused when given more than once. */
export function singleParam(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length > 1) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
  return all[0];
}

/**
 * The query of a kind whose parameters have aliases (`chat` or `chat_id`): an unknown name is refused at once;
 * `param(name)` is the value under whichever alias was written, refused when two aliases of it were.
 */
export function aliasedQuery(q: URLSearchParams, kind: string, params: Record<string, string[]>): (name: string) => string | undefined {
  const known = new Set(Object.values(params).flat());
  for (const key of q.keys()) {
    if (!known.has(key)) throw new ChannelUrlError(`query.${key}`, `is not a ${kind} parameter (known: ${Object.keys(params).join(', ')})`);
  }
  return (name) => {
    const given = params[name]!.filter((k) => q.has(k));
    if (given.length > 1) throw new ChannelUrlError(`query.${name}`, `is given twice (${given.join(', ')})`);
    return given.length ? (q.get(given[0]!) ?? undefined) : undefined;
  };
}

/** Basic auth from the URL's userinfo, decoded: a user whenever either part is written (`''` for `:password@`). */
export function credentialsOf(url: URL): { username?: string; password?: string } {
  const out: { username?: string; password?: string } = {};
  if (url.username || url.password) out.username = url.username ? decodePart('userinfo', url.username, 'has a broken percent-encoding') : '';
  if (url.password) out.password = decodePart('userinfo', url.password, 'has a broken percent-encoding');
  return out;
}

/** `href` with `user[:password]@` after its `//`, each percent-encoded; as it is without either. */
export function withUserinfo(href: string, username?: string, password?: string): string {
  if (username === undefined && password === undefined) return href;
  const at = href.indexOf('//') + 2;
  return `${href.slice(0, at)}${enc(username ?? '')}${password !== undefined ? `:${enc(password)}` : ''}@${href.slice(at)}`;
}

/** The token of `Authorization: Basic <token>`. */
export function basicCredentials(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}

/** The secrets of Basic auth: the password and, as a receiver echoing its request headers would quote them, the credentials. */
export function basicSecrets(username: string | undefined, password: string | undefined): string[] {
  return password ? [password, basicCredentials(username ?? '', password)] : [];
}

/** For `secrets()`: the strings that are given and not empty. */
export const nonEmpty = (s: string | undefined): s is string => typeof s === 'string' && s !== '';

/**
 * The vendor URL inside `<kind>+https://...` (slack, discord, teams, telegram, matrix, pushover): an https or http
 * URL without userinfo or fragment. Throws {@link ChannelUrlError} naming the bad part.
 */
export function endpointUrl(url: URL, kind: string): URL {
  innerScheme(url, kind);
  if (!url.host) throw new ChannelUrlError('host', `is missing: ${kind}+https://<host>/...`);
  let inner: URL;
  try {
    inner = new URL(url.href.slice(kind.length + 1));
  } catch {
    throw new ChannelUrlError('host', `is not a valid host for ${kind}`);
  }
  refuseUserinfo(inner, `is not used by ${kind}: the secrets go in the path or query`);
  // A `#` in a value (a Matrix room alias, say) would silently end the URL: refused, to be written %23.
  if (url.hash || inner.hash) throw new ChannelUrlError('fragment', 'is not used: write a # in a value as %23');
  return inner;
}

/**
 * The secret parts of a webhook URL: its path and query whole, each path segment after the first (Slack's
 * `/services/T/B/X`, Mattermost's `/hooks/KEY`, Rocket.Chat's `/hooks/ID/TOKEN`) and each query value.
 */
export function pathSecrets(u: URL): string[] {
  const out = new Set<string>();
  if (u.pathname !== '/' || u.search) out.add(u.pathname + u.search);
  u.pathname
    .split('/')
    .filter(Boolean)
    .slice(1)
    .forEach((s) => {
      out.add(s);
      try {
        out.add(decodeURIComponent(s));
      } catch {
        // not percent-encoded text: the raw form is enough
      }
    });
  for (const v of u.searchParams.values()) if (v) out.add(v);
  return [...out];
}
