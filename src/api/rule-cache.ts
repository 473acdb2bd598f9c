/**
 * The metric rules an API process evaluates reports against (src/store/condition-state.ts), read from the `rules`
 * collection at start and again every few seconds, so a rule added, changed or removed with `hostwatch rules`
 * reaches every API process within RULE_REFRESH_MS without a query per report.
 */
import type { Rule } from '../rules/rule.js';
import type { RuleStore } from '../store/rules-store.js';

/** How often the rules are read again. */
export const RULE_REFRESH_MS = 2_000;

/** What the report route asks for: the rules as last read. */
export interface RuleSource {
  current(): readonly Rule[];
}

export class RuleCache implements RuleSource {
  private rules: readonly Rule[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly store: Pick<RuleStore, 'all'>,
    private readonly options: { refreshMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  current(): readonly Rule[] {
    return this.rules;
  }

  /** Reads the rules now; a failure keeps the last ones read (reported once until a read succeeds again). */
  async refresh(): Promise<void> {
    try {
      this.rules = await this.store.all();
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.options.onError?.(err);
      this.failing = true;
    }
  }

  /** The first read (which must succeed), then one every refresh interval until stop(). */
  async start(): Promise<void> {
    this.rules = await this.store.all();
    const every = this.options.refreshMs ?? RULE_REFRESH_MS;
    const tick = (): void => {
      this.timer = setTimeout(() => void this.refresh().finally(() => this.timer && tick()), every);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
