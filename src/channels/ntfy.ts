/**
 * `ntfy+https://host/TOPIC`: a push through an ntfy server (ntfy.sh or self-hosted), published as JSON to the
 * server's root URL (ntfy docs "Publish as JSON": `POST /` with `{topic, title, message, priority, tags}`), with an
 * access token (`Authorization: Bearer`) or user and password (Basic).
 */
import { fitText, isAlarm, noticeTitle } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';
import { basicCredentials, basicSecrets, credentialsOf, enc, innerScheme, nonEmpty, queryOf, refuseFragment, vendorUrl, withUserinfo } from './url.js';

export interface NtfyConfig {
  /** The server's root, where JSON is published: `https://host[:port][/prefix]/`. */
  base: string;
  topic: string;
  /** Access token (`?token=`, `tk_...`), sent as `Authorization: Bearer`. */
  token?: string;
  /** Basic auth from the URL's userinfo. */
  username?: string;
  password?: string;
  /** 1 (min) to 5 (max); absent: 4 while anything holds (a host offline, a rule, a reboot), 3 otherwise. */
  priority?: number;
  /** Extra tags (`?tags=a,b`), after hostwatch's own. */
  tags?: string[];
}

/** ntfy's message limit (server `message-size-limit`, 4,096 bytes by default): a longer one becomes an attachment. */
export const NTFY_MESSAGE_LIMIT = 4096;

// ntfy's own topic rule (server.go topicRegex).
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
const QUERY = ['token', 'priority', 'tags'];
const PRIORITY_NAMES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };
// A header value: printable ASCII, no spaces.
const TOKEN = /^[\x21-\x7e]+$/;

/** The priority sent: the URL's, else high while anything holds (a host offline, a rule, a reboot), default otherwise. */
export function ntfyPriority(c: NtfyConfig, n: Notice): number {
  if (c.priority !== undefined) return c.priority;
  return isAlarm(n) ? 4 : 3;
}

/** Tags (ntfy shows known ones as emojis): what the notice is about, then the URL's. */
export function ntfyTags(c: NtfyConfig, n: Notice): string[] {
  const own = n.test ? ['test_tube'] : isAlarm(n) ? ['warning'] : ['white_check_mark'];
  return [...own, ...(c.tags ?? [])];
}

/** The JSON body published for a notice. */
export function ntfyBody(c: NtfyConfig, n: Notice): Record<string, unknown> {
  return { topic: c.topic, title: noticeTitle(n), message: fitText(n, NTFY_MESSAGE_LIMIT), priority: ntfyPriority(c, n), tags: ntfyTags(c, n) };
}

export const ntfy: ChannelKind<NtfyConfig> = {
  kind: 'ntfy',
  schemes: ['ntfy+https', 'ntfy+http'],
  description: 'ntfy push (ntfy.sh or self-hosted), published as JSON to a topic',

  parse(url) {
    const scheme = innerScheme(url, 'ntfy');
    refuseFragment(url);
    if (!url.hostname) throw new ChannelUrlError('host', 'is missing (ntfy+https://host/TOPIC)');
    const segments = url.pathname.split('/').slice(1);
    const topic = segments[segments.length - 1] ?? '';
    if (topic === '') throw new ChannelUrlError('path', 'must end with the topic (ntfy+https://host/TOPIC)');
    if (!TOPIC.test(topic)) throw new ChannelUrlError('path', 'topic must be 1 to 64 letters, digits, _ or - (ntfy topic names)');
    const base = vendorUrl(scheme, url.host, `/${segments.slice(0, -1).map((p) => `${p}/`).join('')}`).toString();
    const query = queryOf(url, QUERY);
    const config: NtfyConfig = { base, topic };
    const token = query.get('token');
    if (token !== undefined) {
      if (token === '') throw new ChannelUrlError('query.token', 'is empty');
      if (!TOKEN.test(token)) throw new ChannelUrlError('query.token', 'must be printable ASCII without spaces');
      if (url.username || url.password) throw new ChannelUrlError('query.token', 'cannot be combined with user:password@ (choose one way to log in)');
      config.token = token;
    }
    const { username, password } = credentialsOf(url);
    if (username !== undefined) {
      // Both, always: render writes `user:password@`.
      config.username = username;
      config.password = password ?? '';
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
    const query = [
      ...(c.token !== undefined ? [`token=${enc(c.token)}`] : []),
      ...(c.priority !== undefined ? [`priority=${c.priority}`] : []),
      ...(c.tags !== undefined ? [`tags=${c.tags.map(enc).join(',')}`] : []),
    ];
    const server = c.username !== undefined ? withUserinfo(c.base, c.username, c.password ?? '') : c.base;
    return `ntfy+${server}${c.topic}${query.length ? `?${query.join('&')}` : ''}`;
  },

  // The topic too: on a server that lets anyone read, knowing its name is reading the alerts.
  // The Basic credentials too: a server echoing its request headers would quote them.
  secrets: (c) => [c.topic, c.token, ...basicSecrets(c.username, c.password)].filter(nonEmpty),

  destinations: () => [''],

  async send(c, _destination, notice, ctx) {
    const what = `ntfy ${new URL(c.base).host}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
    else if (c.username !== undefined) headers.authorization = `Basic ${basicCredentials(c.username, c.password ?? '')}`;
    const body = ntfyBody(c, notice);
    const answer = await httpSend(c.base, { headers, body, timeoutMs: ctx.timeoutMs }, what);
    // ntfy answers a publish with the message it stored; anything else (a proxy's page, say) published nothing.
    const message = jsonBody(answer, what);
    if (typeof message.id !== 'string' || message.id === '') throw new DeliveryError(`${what} answered HTTP ${answer.status} without a message id: not an ntfy publish answer`, false);
  },
};
