/**
 * The project's one error base class. Every error carries a stable `code`
 * (`KE_<AREA>_<WHAT>`) that tests and callers match on; message text is for humans.
 */
export class KeError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isKeError(err: unknown, code?: string): err is KeError {
  return err instanceof KeError && (code === undefined || err.code === code);
}

/** Turns anything thrown into a message string without assuming its shape. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
