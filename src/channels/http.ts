/**
 * Posting to a vendor and deciding what its answer means, once for every HTTP kind (Alertmanager's notify/util.go
 * retrier): 2xx is accepted; 408, 429 and 5xx may pass on a later attempt (429 and 503 with the `Retry-After` the
 * vendor asked for); every other status is a permanent refusal. Network errors and timeouts retry. For vendors
 * that answer HTTP 200 to a refusal too, the code in the body is read here as well (checkVendorCode).
 */
import { DeliveryError } from './types.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface HttpRequest {
  method?: 'POST' | 'PUT' | 'GET';
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or URLSearchParams as is. */
  body?: unknown;
  timeoutMs: number;
}

/** Longest body excerpt quoted in an error. */
const EXCERPT = 200;

/**
 * `Retry-After` as milliseconds: delta seconds (a fraction too, as some vendors send) or an HTTP date; undefined when
 * absent or unreadable. Only a value with letters is read as a date: Date.parse reads `1.5` or `-5` as one.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^(\d+(\.\d*)?|\.\d+)$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Sends one request and returns the answer when it is 2xx; throws {@link DeliveryError} otherwise, classified by
 * status. `what` names the receiver in messages (never the URL: it may hold a token).
 */
export async function httpSend(url: string, req: HttpRequest, what: string): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'user-agent': 'hostwatch', ...req.headers };
  let body: string | URLSearchParams | undefined;
  if (typeof req.body === 'string' || req.body instanceof URLSearchParams) body = req.body;
  else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, { method: req.method ?? 'POST', headers, body, signal: AbortSignal.timeout(req.timeoutMs), redirect: 'error' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${req.timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new DeliveryError(`${what}: ${reason}`, true);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };
  const excerpt = text.length > EXCERPT ? `${text.slice(0, EXCERPT)}...` : text;
  const retry = isRetryableStatus(res.status);
  const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
  throw new DeliveryError(`${what} answered HTTP ${res.status}${excerpt ? `: ${excerpt.replace(/\s+/g, ' ').trim()}` : ''}`, retry, wait);
}

/** The answer's body as JSON, or a permanent DeliveryError naming the receiver. */
export function jsonBody(answer: HttpAnswer, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(answer.text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new DeliveryError(`${what} answered HTTP ${answer.status} with a body that is not a JSON object`, false);
}

/** A vendor's text for an error: on one line, at most 200 characters, without this channel's secrets. */
export function vendorText(value: unknown, secrets: readonly string[]): string {
  let s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  for (const secret of secrets) if (secret.length >= 3) s = s.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > EXCERPT ? `${s.slice(0, EXCERPT)}...` : s;
}

/**
 * How a vendor that answers HTTP 200 to a refusal too (DingTalk, WeCom, Feishu, pushplus...) says what became of a
 * message: a code in the JSON body, `ok` the only success. A `retryable` code may pass on a later attempt (after
 * `waitMs`, where the vendor holds the sender back that long); every other code is a permanent refusal, explained by
 * `permanent` where the meaning is known.
 */
export interface VendorCodes {
  /** The code's field as messages name it. */
  field: 'errcode' | 'code';
  /** The code in an answer; its `field` unless told. */
  code?: (reply: Record<string, unknown>) => unknown;
  /** The vendor's text for the code. */
  message: (reply: Record<string, unknown>) => unknown;
  ok: number;
  retryable?: Record<number, string>;
  waitMs?: Record<number, number>;
  permanent?: Record<number, string>;
  /** What was refused, in messages: `message` unless told. */
  refused?: 'message' | 'push';
}

/** Returns when the answer's code is `codes.ok`; throws the {@link DeliveryError} it means otherwise (no code: permanent). */
export function checkVendorCode(what: string, reply: Record<string, unknown>, codes: VendorCodes, secrets: readonly string[]): void {
  const code = codes.code ? codes.code(reply) : reply[codes.field];
  if (code === codes.ok) return;
  const field = codes.field;
  if (typeof code !== 'number') throw new DeliveryError(`${what} answered without ${field === 'errcode' ? 'an errcode' : 'a code'}: ${vendorText(reply, secrets)}`, false);
  const msg = vendorText(codes.message(reply), secrets);
  const retry = codes.retryable?.[code];
  if (retry !== undefined) throw new DeliveryError(`${what} refused the message for now: ${field} ${code} ${msg} (${retry})`, true, codes.waitMs?.[code]);
  const hint = codes.permanent?.[code];
  throw new DeliveryError(`${what} refused the ${codes.refused ?? 'message'}: ${field} ${code} ${msg}${hint ? ` (${hint})` : ''}`, false);
}
