/**
 * The signed acknowledge link of the notices (issue 14 point 3; ack-store.ts makes and reads its token):
 * - `GET /ack/<token>`: a page naming the host, the condition and since when, with one "Acknowledge" button. Mail
 *   scanners fetch the links in a message to check them, so a GET changes nothing.
 * - `POST /ack/<token>`: acknowledges that instance, by `link`, and shows the result.
 * The token does nothing else: no other route reads it, and it signs in to nothing. It is valid while its instance
 * holds: an ended instance answers 410, a removed host 404, a bad signature or anything that is not a token 403, each
 * with a page saying so and nothing changed. Bad tokens count as failed authentications of their source address
 * (auth-limiter.ts), so guessing ends in 429. Tokens are never logged: the request log masks the path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import { formatLocalTime } from '../alerting/local-time.js';
import { acknowledgeLinked, instanceLabel, linkedInstance, type ActiveInstance } from '../ops/ack.js';
import { AckKeyStore, readAckToken } from '../store/ack-store.js';
import { ACK_PAGE_CSP, ackDoneHtml, ackFormHtml, ackRefusalHtml, type AckPageFacts } from './ack-page.js';
import type { AuthAttempt, AuthFailureLimiter } from './auth-limiter.js';

export interface AckRouteDeps {
  db: Db;
  limiter: AuthFailureLimiter;
  now: () => Date;
  /** Time zone of the times shown. */
  timezone: string;
}

/** Who a link's acknowledgement is recorded as. */
export const LINK_ACK_BY = 'link';

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', ACK_PAGE_CSP)
    .header('cache-control', 'no-store')
    // The token is in the URL: never sent on to anywhere else.
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .send(body);
}

export function registerAckRoutes(app: FastifyInstance, deps: AckRouteDeps): void {
  const keys = new AckKeyStore(deps.db);
  const time = (iso: string) => `${formatLocalTime(Date.parse(iso), deps.timezone)} (${deps.timezone})`;
  const factsOf = (host: string, i: ActiveInstance): AckPageFacts => ({
    host,
    condition: i.condition === 'offline' ? 'offline (no report)' : `${instanceLabel(i)} (${i.metric})`,
    since: time(i.since),
    ...(i.ack && { ack: { by: i.ack.by, at: time(i.ack.at) } }),
  });

  /** The verified token's instance, or the answer already sent (a refusal page). */
  const verified = async (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply): Promise<{ hostId: string; key: string } | FastifyReply> => {
    const at = deps.now().getTime();
    const attempt: AuthAttempt = { source: req.ip };
    const wait = await deps.limiter.retryAfter(attempt, at);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return html(reply, 429, ackRefusalHtml('Too many attempts', `Too many invalid links from this address; try again in ${wait} s.`));
    }
    const read = readAckToken(await keys.key(), req.params.token);
    if (!read.ok) {
      await deps.limiter.failed(attempt, at);
      return html(reply, 403, ackRefusalHtml('Invalid link', 'This acknowledge link is not valid: check it was copied whole. Nothing was changed.'));
    }
    return { hostId: read.hostId, key: read.key };
  };

  const gone = (reply: FastifyReply, state: 'unknown_host' | 'ended', host?: string): FastifyReply =>
    state === 'unknown_host'
      ? html(reply, 404, ackRefusalHtml('Unknown host', 'The host this link is for no longer exists. Nothing was changed.'))
      : html(reply, 410, ackRefusalHtml('Alert ended', `This alert of host "${host}" has ended, so there is nothing left to acknowledge. Nothing was changed.`));

  app.get<{ Params: { token: string } }>('/ack/:token', async (req, reply) => {
    const v = await verified(req, reply);
    if (!('hostId' in v)) return v;
    const found = await linkedInstance(deps.db, v.hostId, v.key, deps.now().getTime());
    if (found.state !== 'active') return gone(reply, found.state, 'host' in found ? found.host : undefined);
    return html(reply, 200, ackFormHtml(factsOf(found.host, found.instance), req.params.token));
  });

  app.post<{ Params: { token: string } }>('/ack/:token', async (req, reply) => {
    const v = await verified(req, reply);
    if (!('hostId' in v)) return v;
    const done = await acknowledgeLinked(deps.db, v.hostId, v.key, LINK_ACK_BY, deps.now().getTime());
    if (done.state !== 'active') return gone(reply, done.state, 'host' in done ? done.host : undefined);
    const a = done.acknowledged!;
    return html(reply, 200, ackDoneHtml({ ...factsOf(done.host, done.instance), ack: { by: a.ack.by, at: time(a.ack.at) } }, a.already));
  });
}
