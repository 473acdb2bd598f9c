/**
 * teams: the Adaptive Card message a Teams Workflows webhook expects (POST JSON, `type: message`, one
 * `application/vnd.microsoft.card.adaptive` attachment, AdaptiveCard 1.4 of TextBlocks, within 28 KB), the
 * workflow's `sig` check and 202, a legacy connector's 200 `1` and its failures reported in a 200 body, the cut,
 * retries, secrets and URL errors.
 */
import { afterEach, expect, test } from 'vitest';
import { parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { assertNoSecretLeak, assertRetryTable, assertRoundTrip, loopback, sampleNotice, send, sendError, urlError, type Answer, type Loopback, type Recorded } from './support.js';

const FLOW = '3f2b9c41d7e84a6b9e0c5d1f2a3b4c5d';
const SIG = 'Xy7kQ2mP9rT4wZ1vB8nL5cJ3hF6dS0aG2eU9iO4uT7y';
const PATH = `/powerautomate/automations/direct/workflows/${FLOW}/triggers/manual/paths/invoke`;
const QUERY = `api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;

let lb: Loopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

interface TextBlock {
  type: string;
  text: string;
  [k: string]: unknown;
}

/**
 * A Teams Workflows trigger: the path and `sig` must match (401 otherwise), the body must be a message with an
 * Adaptive Card attachment (400 otherwise), at most 28 KB (413); accepted with 202 and no body.
 */
function workflowLike(r: Recorded): Answer {
  if (r.method !== 'POST' || r.path !== PATH) return { status: 404, body: { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } } };
  if (r.query.get('sig') !== SIG || r.query.get('api-version') !== '1' || r.query.get('sp') !== '/triggers/manual/run') {
    return { status: 401, body: { error: { code: 'DirectApiAuthorizationRequired', message: 'The request must be authenticated.' } } };
  }
  if (Buffer.byteLength(r.body) > 28 * 1024) return { status: 413, body: 'Request Entity too large' };
  const j = r.json;
  const att = j?.attachments?.[0];
  const ok =
    r.headers['content-type'] === 'application/json' &&
    j.type === 'message' &&
    j.attachments.length === 1 &&
    att.contentType === 'application/vnd.microsoft.card.adaptive' &&
    att.content.type === 'AdaptiveCard' &&
    att.content.version === '1.4' &&
    Array.isArray(att.content.body) &&
    att.content.body.every((b: TextBlock) => b.type === 'TextBlock' && typeof b.text === 'string');
  return ok ? { status: 202 } : { status: 400, body: { error: { code: 'TriggerInputSchemaMismatch', message: 'The input body does not match the schema.' } } };
}

const cardBody = (rec: Recorded): TextBlock[] => rec.json.attachments[0].content.body;

test('posts an Adaptive Card message to the workflow URL, query and all', async () => {
  lb = await loopback(workflowLike);
  await send(`teams+${lb.base}${PATH}?${QUERY}`);
  expect(lb.requests).toHaveLength(1);
  const rec = lb.requests[0]!;
  expect(rec.method).toBe('POST');
  expect(rec.path).toBe(PATH);
  expect(rec.query.toString()).toBe(QUERY);
  expect(rec.headers['content-type']).toBe('application/json');
  expect(rec.json).toEqual({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            { type: 'TextBlock', text: '[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)', weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: '**OFFLINE** web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00', wrap: true, spacing: 'None', color: 'Attention' },
            { type: 'TextBlock', text: '**OFFLINE** web-2: offline 62 minutes, last report 2026-11-23 03:58:00 +01:00', wrap: true, spacing: 'None', color: 'Attention' },
            {
              type: 'TextBlock',
              text: '**BACK** db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
              wrap: true,
              spacing: 'None',
              color: 'Good',
            },
            { type: 'TextBlock', text: '2 hosts offline, 1 back online.', wrap: true, isSubtle: true, spacing: 'Medium' },
          ],
        },
      },
    ],
  });
});

test('host names go into the card as text: JSON carries <, & and > unchanged', async () => {
  lb = await loopback(workflowLike);
  const n = sampleNotice();
  n.offline[0]!.name = 'a<b&c';
  await send(`teams+${lb.base}${PATH}?${QUERY}`, n);
  expect(cardBody(lb.requests[0]!)[1]!.text).toBe('**OFFLINE** a<b&c: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00');
});

test('a test notice: title and the test sentence', async () => {
  lb = await loopback(workflowLike);
  const t = sampleNotice({ test: true });
  await send(`teams+${lb.base}${PATH}?${QUERY}`, t);
  expect(cardBody(lb.requests[0]!).map((b) => b.text)).toEqual([
    '[hostwatch] test notice at 2026-11-23 05:00 +01:00 (Europe/Berlin)',
    'This is a test notice from hostwatch: this destination is set up correctly.',
  ]);
});

test('5000 offline hosts: the body stays within 28 KB, with the exact rest', async () => {
  lb = await loopback(workflowLike);
  await send(`teams+${lb.base}${PATH}?${QUERY}`, sampleNotice({ offline: 5000 }));
  const rec = lb.requests[0]!;
  expect(Buffer.byteLength(rec.body)).toBeLessThanOrEqual(28_000);
  const texts = cardBody(rec).map((b) => b.text);
  const shown = texts.filter((t) => t.startsWith('**OFFLINE** ')).length;
  expect(shown).toBeGreaterThan(10);
  expect(texts).toHaveLength(shown + 3);
  expect(texts.at(-2)).toBe(`... and ${5000 - shown} more`);
  expect(texts.at(-1)).toBe('5000 hosts offline, 0 back online.');
});

test('a legacy connector: 200 "1" is accepted; a failure reported in a 200 body is classified by its inner status', async () => {
  lb = await loopback(() => ({ status: 200, body: '1' }));
  const url = `teams+${lb.base}/webhookb2/${FLOW}@${FLOW}/IncomingWebhook/${SIG}/${FLOW}`;
  await send(url);
  lb.answer = () => ({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=abc' });
  const throttled = await sendError(url);
  expect(throttled.retry).toBe(true);
  expect(throttled.message).toContain('did not deliver');
  expect(throttled.message).toContain('HTTP error 429');
  lb.answer = () => ({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with ContextId tcid=0' });
  expect((await sendError(url)).retry).toBe(false);
  lb.answer = () => ({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 502 with ContextId tcid=0' });
  expect((await sendError(url)).retry).toBe(true);
});

test('a wrong sig is refused for good, without the secret in the message', async () => {
  lb = await loopback(workflowLike);
  const err = await sendError(`teams+${lb.base}${PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=wrongSignature123`);
  expect(err.retry).toBe(false);
  expect(err.message).toMatch(/^teams 127\.0\.0\.1:\d+ answered HTTP 401: .*DirectApiAuthorizationRequired/);
});

test('retry table', async () => {
  lb = await loopback();
  await assertRetryTable(lb, `teams+${lb.base}${PATH}?${QUERY}`, { status: 202 });
});

test('no secret leaks', async () => {
  lb = await loopback();
  await assertNoSecretLeak(lb, `teams+${lb.base}${PATH}?${QUERY}`, [SIG, FLOW]);
  expect(redactedUrl(parseChannelUrl(`teams+https://prod-12.westeurope.logic.azure.com:443/workflows/${FLOW}/triggers/manual/paths/invoke?${QUERY}`))).toBe(
    'teams+https://prod-12.westeurope.logic.azure.com***',
  );
});

test('round trip to the long form, https and http', () => {
  assertRoundTrip(`teams+https://prod-12.westeurope.logic.azure.com:443/workflows/${FLOW}/triggers/manual/paths/invoke?${QUERY}`);
  assertRoundTrip(`teams+https://contoso.webhook.office.com/webhookb2/${FLOW}@${FLOW}/IncomingWebhook/${SIG}/${FLOW}`);
  assertRoundTrip(`teams+http://127.0.0.1:8080${PATH}?${QUERY}`);
  const c = parseChannelUrl(`teams+https://prod-12.westeurope.logic.azure.com:443${PATH}?${QUERY}`);
  // The default port is dropped, the query is kept as given.
  expect(c.kind.render(c.config)).toBe(`teams+https://prod-12.westeurope.logic.azure.com${PATH}?${QUERY}`);
  expect(c.kind.destinations(c.config)).toEqual(['']);
});

test('URL errors name the part and never quote the secret', () => {
  expect(urlError('teams+https://contoso.webhook.office.com').part).toBe('path');
  expect(urlError(`teams+https://prod-12.westeurope.logic.azure.com${PATH}?api-version=1&sig=`).part).toBe('query.sig');
  const userinfo = urlError(`teams+https://u:${SIG}@prod-12.westeurope.logic.azure.com${PATH}?${QUERY}`);
  expect(userinfo.part).toBe('userinfo');
  expect(userinfo.message).not.toContain(SIG);
});
