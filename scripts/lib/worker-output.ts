/**
 * What `npm run dev` shows of the worker's output: hostwatch's own lines, what the checks delivered, and warnings
 * and errors in full; everything (the SDK's bundler module listing included) goes to the worker log file only.
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** An entry of the SDK's text log starts with an ISO time and a level: `2026-11-23T05:00:00.000Z [INFO] ...`. */
const ENTRY = /^\d{4}-\d\d-\d\dT[\d:.]+Z \[(TRACE|DEBUG|INFO|WARN|ERROR)\] (.*)$/;
/** hostwatch's own lines. */
const OWN = /^hostwatch /;
/** Info entries worth a line on the terminal: what a check delivered. */
const SHOWN_INFO = new Set(['Check delivered notices', 'Notice delivered']);
/** Longest warning or error shown on the terminal, in lines (the whole entry is in the log file). */
const MAX_SHOWN = 12;

/** Decides, entry by entry, which lines of the worker's output reach the terminal. */
export class WorkerOutput {
  private entry: string[] = [];
  private level: string | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly file;

  constructor(
    logFile: string,
    private readonly show: (line: string) => void,
  ) {
    this.file = createWriteStream(logFile, { flags: 'a' });
  }

  /** Follows a stream of the worker; `onLine` sees every raw line (readiness checks). */
  follow(stream: NodeJS.ReadableStream, onLine?: (line: string) => void): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      this.file.write(`${line}\n`);
      onLine?.(line);
      this.line(line);
    });
  }

  line(line: string): void {
    const m = ENTRY.exec(line);
    if (m) {
      this.flush();
      this.level = m[1];
      this.entry = [line];
    } else if (this.level !== undefined && !OWN.test(line)) {
      // The rest of a multi-line entry: an object's fields, or the bundler's module listing.
      this.entry.push(line);
    } else {
      // hostwatch's own lines ("hostwatch worker: ...") and anything unexpected.
      this.flush();
      if (line.trim() !== '') this.show(line);
      return;
    }
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(), 200);
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    const [head, ...rest] = this.entry;
    const level = this.level;
    this.entry = [];
    this.level = undefined;
    if (head === undefined || level === undefined) return;
    const message = ENTRY.exec(head)![2]!.replace(/\s*\{$/, '');
    if (level === 'WARN' || level === 'ERROR') {
      const lines = [head, ...rest];
      for (const l of lines.slice(0, MAX_SHOWN)) this.show(l);
      if (lines.length > MAX_SHOWN) this.show(`  ... ${lines.length - MAX_SHOWN} more lines in the worker log`);
    } else if (level === 'INFO' && SHOWN_INFO.has(message)) {
      const fields = rest.map((l) => l.trim()).filter((l) => /^(destination|kind|offline|recovered|notices|recoveries|hostsOffline|sent|accepted):/.test(l));
      this.show(`${message}${fields.length ? ` (${fields.join(' ').replace(/,$/, '')})` : ''}`);
    }
  }

  close(): void {
    this.flush();
    this.file.end();
  }
}
