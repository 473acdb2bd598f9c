/**
 * Posting to a vendor and deciding what its answer means, once for every HTTP kind (Alertmanager's notify/util.go
 * retrier): 2xx is accepted; 408, 429 and 5xx may pass on a later attempt (429 and 503 with the `Retry-After` the
 * vendor asked for); every other status is a permanent refusal. Network errors and timeouts retry.
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

/** `Retry-After` as milliseconds: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
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
