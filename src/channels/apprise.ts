/**
 * `apprise+https://host/notify/KEY`: a notice through an Apprise API server (caronc/apprise-api), which fans it out
 * to the services configured under KEY (`POST /notify/{KEY}`, JSON `{title, body, type, format, tag}`). The
 * stateless form `apprise+https://host/notify?urls=...` hands the Apprise URLs with each notice (`POST /notify`).
 */
import { fitText, isAlarm, noticeTitle } from './format.js';
import { httpSend } from './http.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';
import { basicCredentials, basicSecrets, credentialsOf, enc, innerScheme, nonEmpty, queryOf, refuseFragment, vendorUrl, withUserinfo } from './url.js';

export interface AppriseConfig {
  /** The server up to and including the slash before `notify`: `https://host[:port][/prefix]/`. */
  base: string;
  /** The configuration key (stateful form); absent in the stateless form. */
  key?: string;
  /** Apprise URLs for the stateless form (`?urls=`); absent there, the server's APPRISE_STATELESS_URLS are used. */
  urls?: string;
  /** Apprise tag expression (`?tag=`): `,` is OR, a space is AND. */
  tag?: string;
  /** Basic auth from the URL's userinfo (an Apprise API behind nginx `auth_basic`). */
  username?: string;
  password?: string;
}

/**
 * Largest body sent, in bytes. Apprise API takes far more (3 MB), but each service behind it has its own limit, and
 * Apprise passes an oversized body on unless the Apprise URL says `overflow=truncate` or `overflow=split`.
 */
export const APPRISE_BODY_LIMIT = 32 * 1024;

const KEY = /^[A-Za-z0-9_-]{1,128}$/;
const QUERY = ['tag', 'urls'];

export type AppriseType = 'info' | 'success' | 'warning' | 'failure';

/** `failure` while anything holds (a host offline, a rule, a reboot), `success` for ends only, `info` for a test notice. */
export function appriseType(n: Notice): AppriseType {
  if (n.test) return 'info';
  return isAlarm(n) ? 'failure' : 'success';
}

/** The JSON body posted for a notice. */
export function appriseBody(c: AppriseConfig, n: Notice): Record<string, string> {
  const body: Record<string, string> = { title: noticeTitle(n), body: fitText(n, APPRISE_BODY_LIMIT), type: appriseType(n), format: 'text' };
  if (c.tag !== undefined) body.tag = c.tag;
  if (c.urls !== undefined) body.urls = c.urls;
  return body;
}

export const apprise: ChannelKind<AppriseConfig> = {
  kind: 'apprise',
  schemes: ['apprise+https', 'apprise+http'],
  description: 'Apprise API server: POST /notify/KEY, fanned out to the services configured there',

  parse(url) {
    const scheme = innerScheme(url, 'apprise');
    refuseFragment(url);
    if (!url.hostname) throw new ChannelUrlError('host', 'is missing (apprise+https://host/notify/KEY)');
    const segments = url.pathname.split('/').slice(1);
    let key: string | undefined;
    let prefix: string[];
    const last = segments.length - 1;
    if (segments[last] === 'notify') prefix = segments.slice(0, last);
    else if (segments[last - 1] === 'notify') {
      prefix = segments.slice(0, last - 1);
      if (segments[last] !== '') {
        if (!KEY.test(segments[last]!)) throw new ChannelUrlError('path', 'KEY must be 1 to 128 letters, digits, _ or - (Apprise API notes)');
        key = segments[last];
      }
    } else throw new ChannelUrlError('path', 'must end with /notify/KEY (or /notify for the stateless form)');
    const query = queryOf(url, QUERY);
    const base = vendorUrl(scheme, url.host, `/${prefix.map((p) => `${p}/`).join('')}`).toString();
    const config: AppriseConfig = { base };
    if (key !== undefined) config.key = key;
    const urls = query.get('urls');
    if (urls !== undefined) {
      if (key !== undefined) throw new ChannelUrlError('query.urls', 'belongs to the stateless form /notify, not /notify/KEY');
      if (urls.trim() === '') throw new ChannelUrlError('query.urls', 'is empty');
      config.urls = urls;
    }
    const tag = query.get('tag');
    if (tag !== undefined) {
      if (tag.trim() === '') throw new ChannelUrlError('query.tag', 'is empty');
      config.tag = tag;
    }
    return { ...config, ...credentialsOf(url) };
  },

  render(c) {
    const query = [...(c.urls !== undefined ? [`urls=${enc(c.urls)}`] : []), ...(c.tag !== undefined ? [`tag=${enc(c.tag)}`] : [])];
    return `apprise+${withUserinfo(c.base, c.username, c.password)}notify${c.key !== undefined ? `/${c.key}` : ''}${query.length ? `?${query.join('&')}` : ''}`;
  },

  // The stateless URLs as a whole and each of them: Apprise may quote one of several in an error.
  // The Basic credentials too: a server echoing its request headers would quote them.
  secrets: (c) => [c.key, ...basicSecrets(c.username, c.password), c.urls, ...(c.urls?.split(/[\s,]+/) ?? [])].filter(nonEmpty),

  destinations: () => [''],

  async send(c, _destination, notice, ctx) {
    const what = `apprise ${new URL(c.base).host}`;
    const body = appriseBody(c, notice);
    // Plain-text answers (Apprise picks by Accept): an error quotes its log lines, not a JSON array of them.
    const headers: Record<string, string> = { accept: 'text/plain' };
    if (c.username !== undefined) headers.authorization = `Basic ${basicCredentials(c.username, c.password ?? '')}`;
    const url = `${c.base}notify${c.key !== undefined ? `/${c.key}` : ''}`;
    const answer = await httpSend(url, { headers, body, timeoutMs: ctx.timeoutMs }, what);
    // 204: "there was no configuration (or it was empty) found by the specified {KEY}": nothing was sent.
    if (answer.status === 204) throw new DeliveryError(`${what} has no configuration for this key (HTTP 204): nothing was sent`, false);
  },
};
