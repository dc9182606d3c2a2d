/** Structured logging: one JSON object per line on stdout, which Lambda ships to CloudWatch Logs as is. */
export type LogEvent = Record<string, unknown>;

export function log(event: LogEvent): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}

/** Errors become plain fields (an Error serialises to {} otherwise). */
export function errorFields(error: unknown): { error: string; errorName?: string } {
  if (error instanceof Error) return { error: error.message, errorName: error.name };
  return { error: String(error) };
}
