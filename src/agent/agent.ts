import { collectMetrics, type Metrics } from './metrics.js';

export interface AgentOptions {
  /** Base URL of the hostwatch API, e.g. `https://hostwatch.example.com`; reports go to `${url}/api/v1/report`. */
  url: string;
  /** The host's key (`X-Host-Key`). */
  key: string;
  /** The host's secret (`X-Host-Secret`); never logged. */
  secret: string;
  /** Milliseconds between reports. Retries after a failure back off from 1 s, doubling, capped at this. */
  intervalMs: number;
  /** Stops the agent: the pending wait or request is abandoned and `runAgent` resolves. */
  signal?: AbortSignal;
  /** Receives one line per notable event (start, failures, recovery); default `console.log`. */
  log?: (line: string) => void;
  fetch?: typeof fetch;
  /** The report body; default {@link collectMetrics}. */
  collect?: () => Promise<Metrics | Record<string, unknown>>;
  /** Milliseconds before a request is abandoned as failed; default 10 s. */
  requestTimeoutMs?: number;
}

type Outcome = { kind: 'ok'; warning?: string } | { kind: 'rejected'; message: string } | { kind: 'failed'; reason: string };

const FIRST_RETRY_MS = 1_000;

export function reportUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/report`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'request timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

/**
 * Reports this machine's metrics every `intervalMs` until `signal` aborts. It never gives up because the
 * server is away: a network error or a non-2xx answer is logged and retried with exponential backoff
 * (1 s, 2 s, 4 s ... capped at the interval); a 401 or 403 is logged with a hint and retried at the normal
 * interval, since it needs an operator to fix the credentials or enable the host.
 */
export async function runAgent(options: AgentOptions): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  const doFetch = options.fetch ?? fetch;
  const collect = options.collect ?? (() => collectMetrics());
  const endpoint = reportUrl(options.url);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  // Belt and braces: no line the agent writes may carry the secret, whatever a server echoes back.
  const log = (line: string) => (options.log ?? console.log)(options.secret ? line.split(options.secret).join('[secret]') : line);

  const reportOnce = async (): Promise<Outcome> => {
    let response: Response;
    try {
      // Every report states the agent's interval, so the check allows for it before calling the host offline, and
      // its clock, so the server can flag a clock running ahead of its own.
      const body = JSON.stringify({ interval: Math.max(1, Math.round(options.intervalMs / 1000)), time: new Date().toISOString(), ...(await collect()) });
      response = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Host-Key': options.key, 'X-Host-Secret': options.secret },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (err) {
      return { kind: 'failed', reason: describeError(err) };
    }
    const text = await response.text().catch(() => '');
    // The server's word on this agent's interval against the schedules covering it (docs/agent.md), if any.
    const warning = response.headers.get('hostwatch-warning')?.trim().slice(0, 500) || undefined;
    if (response.ok) return { kind: 'ok', ...(warning && { warning }) };
    if (response.status === 401) return { kind: 'rejected', message: `rejected (401): check HOSTWATCH_KEY/HOSTWATCH_SECRET (key ${options.key})` };
    if (response.status === 403) return { kind: 'rejected', message: `rejected (403): host disabled; enable it with "hostwatch hosts enable <name>"` };
    const detail = text.trim().replace(/\s+/g, ' ').slice(0, 200);
    return { kind: 'failed', reason: `HTTP ${response.status}${detail ? `: ${detail}` : ''}` };
  };

  let failures = 0;
  let reported = false;
  let lastRejection: string | undefined;
  let lastWarning: string | undefined;
  while (!signal.aborted) {
    const outcome = await reportOnce();
    if (signal.aborted) break;
    let waitMs = options.intervalMs;
    if (outcome.kind === 'ok') {
      if (!reported) log(`hostwatch agent: first report accepted by ${endpoint}`);
      else if (failures > 0 || lastRejection) log(`hostwatch agent: reporting again after ${failures > 0 ? `${failures} failed attempt${failures === 1 ? '' : 's'}` : 'a rejection'}`);
      // Once per distinct warning, and once when it is gone.
      if (outcome.warning !== lastWarning) log(outcome.warning ? `hostwatch agent: warning from the server: ${outcome.warning}` : 'hostwatch agent: the server no longer warns about this agent');
      lastWarning = outcome.warning;
      reported = true;
      failures = 0;
      lastRejection = undefined;
    } else if (outcome.kind === 'rejected') {
      failures = 0;
      lastRejection = outcome.message;
      log(`hostwatch agent: ${outcome.message}; trying again in ${waitMs / 1000}s`);
    } else {
      failures++;
      waitMs = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30), options.intervalMs);
      log(`hostwatch agent: report failed: ${outcome.reason}; retrying in ${waitMs / 1000}s`);
    }
    await sleep(waitMs, signal);
  }
}
