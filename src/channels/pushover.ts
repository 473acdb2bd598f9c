/**
 * Pushover: `pushover+https://api.pushover.net/?token=APP&user=USER[&device=…][&priority=…][&sound=…]`. The part
 * after `pushover+` up to the query is the API base; the message is a form POST to `<base>/1/messages.json`.
 * The text is plain (no `html=1`), within Pushover's 1024-character message and 250-character title.
 */
import { httpSend, jsonBody } from './http.js';
import { cutText, fitText, lineText, NAME_LIMIT, noticeTitle } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice, type SendContext } from './types.js';
import { endpointUrl } from './url.js';

export interface PushoverConfig {
  /** API base without a trailing slash, e.g. `https://api.pushover.net`. */
  api: string;
  /** The application's API token. */
  token: string;
  /** The user or group key. */
  user: string;
  /** Device names, comma-separated (all of the user's devices when absent). */
  device?: string;
  /** -2 (no notification) to 2 (emergency: repeated every `retry` seconds until acknowledged or `expire`). */
  priority?: number;
  sound?: string;
  retry?: number;
  expire?: number;
}

/** Pushover: message ≤ 1024 characters, title ≤ 250 (counted here in bytes). */
export const PUSHOVER_MESSAGE_LIMIT = 1024;
export const PUSHOVER_TITLE_LIMIT = 250;
const KEY = /^[A-Za-z0-9]{30}$/;
const KNOWN = ['token', 'user', 'device', 'priority', 'sound', 'retry', 'expire'];

function integer(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ChannelUrlError(`query.${name}`, `must be a whole number from ${min} to ${max}`);
  return Number(v);
}

/** The message fields of the form (title, message, time and the URL's options): all of it but the credentials. */
export function pushoverForm(c: PushoverConfig, n: Notice): URLSearchParams {
  const form = new URLSearchParams({
    title: cutText(noticeTitle(n), PUSHOVER_TITLE_LIMIT),
    message: fitText(n, PUSHOVER_MESSAGE_LIMIT, (l) => lineText({ ...l, name: cutText(l.name, NAME_LIMIT) }, n.timezone, n.locale)),
    timestamp: String(Math.floor(n.checkTime / 1000)),
  });
  if (c.device !== undefined) form.set('device', c.device);
  if (c.priority !== undefined) form.set('priority', String(c.priority));
  if (c.sound !== undefined) form.set('sound', c.sound);
  if (c.retry !== undefined) form.set('retry', String(c.retry));
  if (c.expire !== undefined) form.set('expire', String(c.expire));
  return form;
}

export const pushover: ChannelKind<PushoverConfig> = {
  kind: 'pushover',
  schemes: ['pushover+https', 'pushover+http'],
  description: 'Pushover notification: pushover+https://api.pushover.net/?token=<app token>&user=<user key>',

  parse(url: URL): PushoverConfig {
    const u = endpointUrl(url, 'pushover');
    const q = u.searchParams;
    for (const key of q.keys()) {
      if (!KNOWN.includes(key)) throw new ChannelUrlError(`query.${key}`, `is not a pushover parameter (known: ${KNOWN.join(', ')})`);
      if (q.getAll(key).length > 1) throw new ChannelUrlError(`query.${key}`, 'is given twice');
    }
    const token = q.get('token');
    if (!token) throw new ChannelUrlError('query.token', "is missing: the application's API token (pushover.net → Your Applications)");
    if (!KEY.test(token)) throw new ChannelUrlError('query.token', 'must be the 30 letters and digits of an application API token');
    const user = q.get('user');
    if (!user) throw new ChannelUrlError('query.user', 'is missing: the user key (pushover.net dashboard) or a group key');
    if (!KEY.test(user)) throw new ChannelUrlError('query.user', 'must be the 30 letters and digits of a user or group key');
    const device = q.get('device') ?? undefined;
    if (device !== undefined && !device.split(',').every((d) => /^[A-Za-z0-9_-]{1,25}$/.test(d))) {
      throw new ChannelUrlError('query.device', 'must be device names (up to 25 letters, digits, _ and -) separated by commas');
    }
    const priority = integer(q, 'priority', -2, 2);
    const sound = q.get('sound') ?? undefined;
    if (sound !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(sound)) throw new ChannelUrlError('query.sound', 'must be a sound name such as pushover, siren or none');
    const retry = integer(q, 'retry', 30, 10_800);
    const expire = integer(q, 'expire', 30, 10_800);
    if (priority === 2 && (retry === undefined || expire === undefined)) {
      throw new ChannelUrlError(retry === undefined ? 'query.retry' : 'query.expire', 'is required with priority=2 (emergency): retry=<seconds ≥ 30>&expire=<seconds ≤ 10800>');
    }
    if (priority !== 2 && (retry !== undefined || expire !== undefined)) {
      throw new ChannelUrlError(retry !== undefined ? 'query.retry' : 'query.expire', 'is only used with priority=2 (emergency)');
    }
    return {
      api: u.origin + u.pathname.replace(/\/+$/, ''),
      token,
      user,
      ...(device !== undefined && { device }),
      ...(priority !== undefined && { priority }),
      ...(sound !== undefined && { sound }),
      ...(retry !== undefined && { retry }),
      ...(expire !== undefined && { expire }),
    };
  },

  render(c: PushoverConfig): string {
    const q = new URLSearchParams({ token: c.token, user: c.user });
    if (c.device !== undefined) q.set('device', c.device);
    if (c.priority !== undefined) q.set('priority', String(c.priority));
    if (c.sound !== undefined) q.set('sound', c.sound);
    if (c.retry !== undefined) q.set('retry', String(c.retry));
    if (c.expire !== undefined) q.set('expire', String(c.expire));
    return `pushover+${c.api}/?${q}`;
  },

  secrets(c: PushoverConfig): string[] {
    return [c.token, c.user];
  },

  destinations(): string[] {
    return [''];
  },

  async send(c: PushoverConfig, _destination: string, notice: Notice, ctx: SendContext): Promise<void> {
    const what = `pushover ${new URL(c.api).host}`;
    const form = new URLSearchParams({ token: c.token, user: c.user });
    for (const [k, v] of pushoverForm(c, notice)) form.set(k, v);
    const answer = await httpSend(`${c.api}/1/messages.json`, { body: form, timeoutMs: ctx.timeoutMs }, what);
    const v = jsonBody(answer, what);
    if (v.status !== 1) {
      const errors = Array.isArray(v.errors) ? v.errors.filter((e) => typeof e === 'string').join('; ') : '';
      throw new DeliveryError(`${what} answered HTTP ${answer.status} without accepting the message${errors ? `: ${errors.slice(0, 200)}` : ''}`, false);
    }
  },
};
