/**
 * `bark+https://api.day.app/DEVICE_KEY[?group=..&sound=..&level=..]`: an iPhone running Bark, through api.day.app or
 * a self-hosted bark-server (which may sit under a path prefix and behind basic auth: `bark+https://user:pass@host/
 * prefix/DEVICE_KEY`). The notice goes as JSON to `<server>/push` with the device key in the body, so the key is in
 * no request line. bark-server answers `{code: 200, message: "success"}`.
 */
import { cutText, fitText, noticeTitle, utf8Bytes } from './format.js';
import { checkVendorCode, httpSend, jsonBody, type VendorCodes } from './http.js';
import { ChannelUrlError, type ChannelKind, type Notice } from './types.js';
import { basicCredentials, checkParams, decodePart, enc, innerScheme, refuseFragment, schemeOf, shortFormOnly, vendorUrl } from './url.js';

export type BarkLevel = 'critical' | 'active' | 'timeSensitive' | 'passive';

export interface BarkConfig {
  /** The server without the device key and without a trailing slash: `https://api.day.app`. */
  server: string;
  deviceKey: string;
  /** Basic auth of a self-hosted bark-server. */
  user?: string;
  password?: string;
  /** Bark's notification group; `hostwatch` when not given. */
  group?: string;
  sound?: string;
  level?: BarkLevel;
  /** 0-10, the volume of a `critical` alert. */
  volume?: number;
  /** URL of an icon shown with the notification (iOS 15+). */
  icon?: string;
  /** `1` saves the notification in the app's history, `0` does not; the app's setting decides when not given. */
  isArchive?: '0' | '1';
  /** URL opened when the notification is tapped. */
  url?: string;
}

const DEFAULT_SERVER = 'https://api.day.app';
const DEFAULT_GROUP = 'hostwatch';
/**
 * An APNs payload is at most 4096 bytes, title, body and every parameter together, as bark-server's JSON encodes them
 * (it writes <, > and & as 6-byte escapes). The body gets 3000 of them, the title 200.
 */
export const BARK_BODY_LIMIT = 3000;
const TITLE_LIMIT = 200;
const LEVELS: readonly BarkLevel[] = ['critical', 'active', 'timeSensitive', 'passive'];
const PARAMS = ['group', 'sound', 'level', 'volume', 'icon', 'isArchive', 'url'] as const;

/** Bytes of `s` inside a JSON string as Go's encoder writes it. */
function jsonBytes(s: string): number {
  return utf8Bytes(JSON.stringify(s)) - 2 + 5 * (s.match(/[<>&]/g)?.length ?? 0);
}

function httpUrl(value: string, part: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ChannelUrlError(part, 'must be an http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ChannelUrlError(part, 'must be an http(s) URL');
  return value;
}

/** bark-server answers `{code: 200, message: "success"}`; any other code is a refusal. */
const CODES: VendorCodes = { field: 'code', message: (reply) => reply.message, ok: 200, refused: 'push' };

function options(q: URLSearchParams): Omit<BarkConfig, 'server' | 'deviceKey' | 'user' | 'password'> {
  checkParams(q, PARAMS, `is not a Bark parameter hostwatch sets (known: ${PARAMS.join(', ')})`);
  const out: ReturnType<typeof options> = {};
  const group = q.get('group');
  if (group !== null) {
    if (group.trim() === '' || group.length > 64) throw new ChannelUrlError('query.group', 'must be 1 to 64 characters');
    out.group = group;
  }
  const sound = q.get('sound');
  if (sound !== null) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(sound)) throw new ChannelUrlError('query.sound', 'must be the name of a Bark sound, such as alarm or minuet');
    out.sound = sound;
  }
  const level = q.get('level');
  if (level !== null) {
    if (!(LEVELS as readonly string[]).includes(level)) throw new ChannelUrlError('query.level', `must be one of ${LEVELS.join(', ')}`);
    out.level = level as BarkLevel;
  }
  const volume = q.get('volume');
  if (volume !== null) {
    if (!/^(10|[0-9])$/.test(volume)) throw new ChannelUrlError('query.volume', 'must be a whole number from 0 to 10');
    out.volume = Number(volume);
  }
  const icon = q.get('icon');
  if (icon !== null) out.icon = httpUrl(icon, 'query.icon');
  const isArchive = q.get('isArchive');
  if (isArchive !== null) {
    if (isArchive !== '0' && isArchive !== '1') throw new ChannelUrlError('query.isArchive', 'must be 1 (save in the history) or 0 (do not)');
    out.isArchive = isArchive;
  }
  const url = q.get('url');
  if (url !== null) out.url = httpUrl(url, 'query.url');
  return out;
}

export const bark: ChannelKind<BarkConfig> = {
  kind: 'bark',
  schemes: ['bark+https', 'bark+http', 'bark'],
  description: 'Bark iOS push: the server (api.day.app or your bark-server) and the device key, as the app shows them',
  parse(url) {
    refuseFragment(url, 'is not supported');
    let server: URL;
    let segments: string[];
    if (schemeOf(url) === 'bark') {
      // Short form: bark://DEVICE_KEY[?group=..] on api.day.app.
      shortFormOnly(url, 'bark://DEVICE_KEY[?group=...]');
      server = new URL(DEFAULT_SERVER);
      segments = url.hostname === '' ? [] : [url.hostname];
    } else {
      const inner = innerScheme(url, 'bark');
      if (url.hostname === '') throw new ChannelUrlError('host', 'is missing: write bark+https://api.day.app/DEVICE_KEY');
      server = vendorUrl(inner, url.host, '');
      segments = url.pathname.split('/').filter((s) => s !== '');
    }
    const rawKey = segments.pop();
    if (rawKey === undefined) throw new ChannelUrlError('path.device_key', 'is missing: write the device key after the server, as in https://api.day.app/DEVICE_KEY');
    if (server.host === 'api.day.app' && segments.length > 0) {
      // The app's example URLs go on with /title/body: only the key belongs in a channel.
      throw new ChannelUrlError('path', 'must be just /DEVICE_KEY on api.day.app (leave out any title or body after the key)');
    }
    const deviceKey = decodePart('path.device_key', rawKey);
    if (!/^[^\s,/]+$/.test(deviceKey)) throw new ChannelUrlError('path.device_key', "must be the device key the Bark app shows (no spaces or commas)");
    const prefix = segments.map((s) => `/${s}`).join('');
    const user = decodePart('userinfo', url.username);
    const password = decodePart('userinfo', url.password);
    if (password !== '' && user === '') throw new ChannelUrlError('userinfo', 'has a password but no user name');
    return {
      server: `${server.origin}${prefix}`,
      deviceKey,
      ...(user !== '' && { user }),
      ...(password !== '' && { password }),
      ...options(url.searchParams),
    };
  },
  render(c) {
    const u = new URL(`${c.server}/${enc(c.deviceKey)}`);
    if (c.user !== undefined) u.username = enc(c.user);
    if (c.password !== undefined) u.password = enc(c.password);
    for (const name of PARAMS) {
      const v = c[name];
      if (v !== undefined) u.searchParams.set(name, String(v));
    }
    return `bark+${u.toString()}`;
  },
  secrets: (c) => [c.deviceKey, ...(c.password !== undefined ? [c.password] : [])],
  destinations: () => [''],
  async send(c, _destination, notice, ctx) {
    const target = `${c.server}/push`;
    const what = `bark ${new URL(c.server).host}`;
    const headers: Record<string, string> = {};
    if (c.user !== undefined) headers.authorization = `Basic ${basicCredentials(c.user, c.password ?? '')}`;
    const answer = await httpSend(target, { headers, body: barkPayload(c, notice), timeoutMs: ctx.timeoutMs }, what);
    checkVendorCode(what, jsonBody(answer, what), CODES, bark.secrets(c));
  },
};

/** The JSON pushed for a notice: the device key, title, body, group and the URL's options. */
export function barkPayload(c: BarkConfig, n: Notice): Record<string, unknown> {
  return {
    device_key: c.deviceKey,
    title: cutText(noticeTitle(n), TITLE_LIMIT),
    body: fitJsonText(n),
    group: c.group ?? DEFAULT_GROUP,
    ...(c.sound !== undefined && { sound: c.sound }),
    ...(c.level !== undefined && { level: c.level }),
    ...(c.volume !== undefined && { volume: c.volume }),
    ...(c.icon !== undefined && { icon: c.icon }),
    ...(c.isArchive !== undefined && { isArchive: c.isArchive }),
    ...(c.url !== undefined && { url: c.url }),
  };
}

/** The notice as plain text within {@link BARK_BODY_LIMIT} bytes as bark-server's JSON encodes them. */
function fitJsonText(notice: Notice): string {
  // fitText measures UTF-8 bytes; escapes only add to that, so try the byte limit and shrink while it encodes longer.
  let limit = BARK_BODY_LIMIT;
  for (;;) {
    const text = fitText(notice, limit);
    const over = jsonBytes(text) - BARK_BODY_LIMIT;
    if (over <= 0 || limit <= 200) return text;
    // Never below 200: a template's body of nothing but escapes would otherwise drop to nothing at all.
    limit = Math.max(200, limit - Math.max(over, 16));
  }
}
