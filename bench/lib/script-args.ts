/** Argument checks and progress output shared by the bench scripts run on their own (bench/ingest.ts, bench/rules.ts). */

/** Progress goes to stderr, so stdout holds only the table (or the one JSON line). */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `fail(message)` prints the message and the script's help and exits 2; `positiveInt` checks a whole-number option. */
export function scriptArgs(script: string, help: string) {
  const fail = (message: string): never => {
    process.stderr.write(`${script}: ${message}\n${help}`);
    process.exit(2);
  };
  const positiveInt = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < 1) fail(`${name} must be a whole number >= 1`);
    return Number(v);
  };
  return { fail, positiveInt };
}
