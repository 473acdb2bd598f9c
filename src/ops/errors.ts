/**
 * The one error type of the operations layer (src/ops/): the CLI and the management API call the same operation and
 * show its refusal their own way (the CLI: `hostwatch: <message>`, exit 2; the API: the status below and
 * `{ error, field?, message }`). An operation that throws one has changed nothing.
 */
export type OpErrorCode = 'invalid' | 'not_found' | 'conflict';

/** The HTTP status the management API answers each code with. */
export const OP_ERROR_STATUS: Readonly<Record<OpErrorCode, 400 | 404 | 409>> = { invalid: 400, not_found: 404, conflict: 409 };

export class OpError extends Error {
  constructor(
    readonly code: OpErrorCode,
    message: string,
    /** The input field at fault (`name`, `tags[1]`, `until`), when one is. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'OpError';
  }
}

export const invalid = (field: string, message: string): OpError => new OpError('invalid', message, field);
export const notFound = (message: string): OpError => new OpError('not_found', message);
export const conflict = (message: string, field?: string): OpError => new OpError('conflict', message, field);
