/**
 * `gotify+https://host/?token=APPTOKEN`: a message through a Gotify server (`POST /message` with the application
 * token in `X-Gotify-Key`, JSON `{title, message, priority}`), shown by Gotify's web UI and apps.
 */
import { fitText, isAlarm, noticeTitle } from './format.js';
import { httpSend, jsonBody } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';
import { enc, innerScheme, queryOf, refuseFragment, refuseUserinfo, vendorUrl } from './url.js';

export interface GotifyConfig {
  /** The server, up to and including the slash before `message`: `https://host[:port][/prefix]/`. */
  base: string;
  /** The application token (Apps → Create Application). */
  token: string;
  /** 0 to 10; absent: 8 while anything holds (a host offline, a rule, a reboot), 5 otherwise. */
  priority?: number;
}

/**
 * Largest message sent, in bytes. Gotify documents no limit; its message column is TEXT (65,535 bytes on MySQL), and
 * a notification far shorter than that is all a phone shows.
 */
export const GOTIFY_MESSAGE_LIMIT = 32 * 1024;

const QUERY = ['token', 'priority'];
// A header value: printable ASCII, no spaces (Gotify's own tokens are `A` + 14 of [A-Za-z0-9._-]).
const TOKEN = /^[\x21-\x7e]+$/;

/** The priority sent: the URL's, else 8 (Gotify Android: sound and vibration) while anything holds, else 5 (sound). */
export function gotifyPriority(c: GotifyConfig, n: Notice): number {
  if (c.priority !== undefined) return c.priority;
  return isAlarm(n) ? 8 : 5;
}

/** The JSON body posted for a notice. */
export function gotifyBody(c: GotifyConfig, n: Notice): { title: string; message: string; priority: number } {
  return { title: noticeTitle(n), message: fitText(n, GOTIFY_MESSAGE_LIMIT), priority: gotifyPriority(c, n) };
}

export const gotify: ChannelKind<GotifyConfig> = {
  kind: 'gotify',
  schemes: ['gotify+https', 'gotify+http'],
  description: 'Gotify server: POST /message with an application token',

  parse(url) {
    const scheme = innerScheme(url, 'gotify');
    refuseFragment(url);
    if (!url.hostname) throw new ChannelUrlError('host', 'is missing (gotify+https://host/?token=APPTOKEN)');
    refuseUserinfo(url, 'is not used by gotify (the application token goes in ?token=)');
    const query = queryOf(url, QUERY);
    const token = query.get('token');
    if (token === undefined) throw new ChannelUrlError('query.token', 'is required: the application token (Gotify: Apps → Create Application), as ?token=, not in the path');
    if (token === '') throw new ChannelUrlError('query.token', 'is empty');
    if (!TOKEN.test(token)) throw new ChannelUrlError('query.token', 'must be printable ASCII without spaces');
    // The path is where Gotify is served (a reverse proxy's prefix); `message` is appended to it.
    const path = url.pathname === '' ? '/' : url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const base = vendorUrl(scheme, url.host, path).toString();
    const config: GotifyConfig = { base, token };
    const priority = query.get('priority');
    if (priority !== undefined) {
      if (!/^(10|[0-9])$/.test(priority.trim())) throw new ChannelUrlError('query.priority', 'must be a whole number from 0 to 10');
      config.priority = Number(priority.trim());
    }
    return config;
  },

  render(c) {
    return `gotify+${c.base}?token=${enc(c.token)}${c.priority !== undefined ? `&priority=${c.priority}` : ''}`;
  },

  secrets: (c) => [c.token],

  destinations: () => [''],

  async send(c, _destination, notice, ctx) {
    const what = `gotify ${new URL(c.base).host}`;
    const body = gotifyBody(c, notice);
    const answer = await httpSend(`${c.base}message`, { headers: { 'x-gotify-key': c.token, accept: 'application/json' }, body, timeoutMs: ctx.timeoutMs }, what);
    // Gotify answers with the message it stored.
    const message = jsonBody(answer, what);
    if (typeof message.id !== 'number') throw new DeliveryError(`${what} answered HTTP ${answer.status} without a message id: not a Gotify answer`, false);
  },
};
