/**
 * `ntfy+https://host/TOPIC`: a push through an ntfy server (ntfy.sh or self-hosted), published as JSON to the
 * server's root URL (ntfy docs "Publish as JSON": `POST /` with `{topic, title, message, priority, tags}`), with an
 * access token (`Authorization: Bearer`) or user and password (Basic).
 */
import { fitText, noticeTitle } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';

export interface NtfyConfig {
  /** The server's root, where JSON is published: `https://host[:port][/prefix]/`. */
  base: string;
  topic: string;
  /** Access token (`?token=`, `tk_...`), sent as `Authorization: Bearer`. */
  token?: string;
  /** Basic auth from the URL's userinfo. */
  username?: string;
  password?: string;
  /** 1 (min) to 5 (max); absent: 4 while a host is offline, 3 otherwise. */
  priority?: number;
  /** Extra tags (`?tags=a,b`), after hostwatch's own. */
  tags?: string[];
}

/** ntfy's message limit (server `message-size-limit`, 4,096 bytes by default): a longer one becomes an attachment. */
export const NTFY_MESSAGE_LIMIT = 4096;

const SCHEMES = ['ntfy+https', 'ntfy+http'] as const;
// ntfy's own topic rule (server.go topicRegex).
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
const QUERY = ['token', 'priority', 'tags'];
const PRIORITY_NAMES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };
// A header value: printable ASCII, no spaces.
const TOKEN = /^[\x21-\x7e]+$/;

/** The priority sent: the URL's, else high while a host is offline and default otherwise. */
export function ntfyPriority(c: NtfyConfig, n: Notice): number {
  if (c.priority !== undefined) return c.priority;
  return !n.test && n.offlineTotal > 0 ? 4 : 3;
}

/** Tags (ntfy shows known ones as emojis): what the notice is about, then the URL's. */
export function ntfyTags(c: NtfyConfig, n: Notice): string[] {
  const own = n.test ? ['test_tube'] : n.offlineTotal > 0 ? ['warning'] : ['white_check_mark'];
  return [...own, ...(c.tags ?? [])];
}

function decodePart(part: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ChannelUrlError(part, 'has a broken percent-encoding');
  }
}

function queryOf(url: URL, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!known.includes(name)) throw new ChannelUrlError(`query.${name}`, `is not a parameter of this kind (known: ${known.join(', ')})`);
    if (out.has(name)) throw new ChannelUrlError(`query.${name}`, 'is given more than once');
    out.set(name, value);
  }
  return out;
}

const enc = encodeURIComponent;

/** The token of `Authorization: Basic <token>`. */
const basicCredentials = (user: string, password: string): string => Buffer.from(`${user}:${password}`, 'utf8').toString('base64');

export const ntfy: ChannelKind<NtfyConfig> = {
  kind: 'ntfy',
  schemes: SCHEMES,
  description: 'ntfy push (ntfy.sh or self-hosted), published as JSON to a topic',

  parse(url) {
    const scheme = url.protocol.replace(/:$/, '').toLowerCase();
    if (!(SCHEMES as readonly string[]).includes(scheme)) throw new ChannelUrlError('scheme', 'must be ntfy+https or ntfy+http');
    if (url.hash) throw new ChannelUrlError('fragment', "is not allowed (percent-encode a '#' as %23)");
    if (!url.hostname) throw new ChannelUrlError('host', 'is missing (ntfy+https://host/TOPIC)');
    const segments = url.pathname.split('/').slice(1);
    const topic = segments[segments.length - 1] ?? '';
    if (topic === '') throw new ChannelUrlError('path', 'must end with the topic (ntfy+https://host/TOPIC)');
    if (!TOPIC.test(topic)) throw new ChannelUrlError('path', 'topic must be 1 to 64 letters, digits, _ or - (ntfy topic names)');
    let base: string;
    try {
      base = new URL(`${scheme.slice('ntfy+'.length)}://${url.host}/${segments.slice(0, -1).map((p) => `${p}/`).join('')}`).toString();
    } catch {
      throw new ChannelUrlError('host', 'is not a valid host name');
    }
    const query = queryOf(url, QUERY);
    const config: NtfyConfig = { base, topic };
    const token = query.get('token');
    if (token !== undefined) {
      if (token === '') throw new ChannelUrlError('query.token', 'is empty');
      if (!TOKEN.test(token)) throw new ChannelUrlError('query.token', 'must be printable ASCII without spaces');
      if (url.username || url.password) throw new ChannelUrlError('query.token', 'cannot be combined with user:password@ (choose one way to log in)');
      config.token = token;
    }
    if (url.username || url.password) {
      config.username = decodePart('userinfo', url.username);
      config.password = decodePart('userinfo', url.password);
    }
    const priority = query.get('priority');
    if (priority !== undefined) {
      const p = priority.trim().toLowerCase();
      const value = /^[1-5]$/.test(p) ? Number(p) : PRIORITY_NAMES[p];
      if (value === undefined) throw new ChannelUrlError('query.priority', 'must be 1 to 5 or min, low, default, high, max, urgent');
      config.priority = value;
    }
    const tags = query.get('tags');
    if (tags !== undefined) {
      const list = tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
      if (list.length === 0) throw new ChannelUrlError('query.tags', 'is empty (comma-separated tags)');
      config.tags = list;
    }
    return config;
  },

  render(c) {
    const at = c.base.indexOf('//') + 2;
    const user = c.username !== undefined ? `${enc(c.username)}:${enc(c.password ?? '')}@` : '';
    const query = [
      ...(c.token !== undefined ? [`token=${enc(c.token)}`] : []),
      ...(c.priority !== undefined ? [`priority=${c.priority}`] : []),
      ...(c.tags !== undefined ? [`tags=${c.tags.map(enc).join(',')}`] : []),
    ];
    return `ntfy+${c.base.slice(0, at)}${user}${c.base.slice(at)}${c.topic}${query.length ? `?${query.join('&')}` : ''}`;
  },

  // The topic too: on a server that lets anyone read, knowing its name is reading the alerts.
  // The Basic credentials too: a server echoing its request headers would quote them.
  secrets: (c) => [c.topic, c.token, c.password, c.password ? basicCredentials(c.username ?? '', c.password) : undefined].filter((s): s is string => typeof s === 'string' && s !== ''),

  destinations: () => [''],

  async send(c, _destination, notice, ctx) {
    const what = `ntfy ${new URL(c.base).host}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
    else if (c.username !== undefined) headers.authorization = `Basic ${basicCredentials(c.username, c.password ?? '')}`;
    const body = {
      topic: c.topic,
      title: noticeTitle(notice),
      message: fitText(notice, NTFY_MESSAGE_LIMIT),
      priority: ntfyPriority(c, notice),
      tags: ntfyTags(c, notice),
    };
    const answer = await httpSend(c.base, { headers, body, timeoutMs: ctx.timeoutMs }, what);
    // ntfy answers a publish with the message it stored; anything else (a proxy's page, say) published nothing.
    const message = jsonBody(answer, what);
    if (typeof message.id !== 'string' || message.id === '') throw new DeliveryError(`${what} answered HTTP ${answer.status} without a message id: not an ntfy publish answer`, false);
  },
};
