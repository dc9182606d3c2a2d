/** Runs test/runtime/json-schema/schema-lab.mjs on the built runtime (see there). */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const RUNTIME_DIST = path.join(__dirname, '..', '..', '..', 'runtime', 'dist');
const LAB = path.join(__dirname, 'schema-lab.mjs');

export interface LabCase {
  readonly schema: unknown;
  readonly param?: string;
  /** JSON texts to try against the grammar built from the normalised schema. */
  readonly texts?: readonly string[];
}

export interface LabResult {
  readonly normalised?: Record<string, any>;
  readonly error?: { readonly status: number; readonly message: string; readonly param: string; readonly code: string };
  readonly texts?: ReadonlyArray<{ readonly text: string; readonly grammar: boolean; readonly validator: string }>;
}

export function runLab(cases: readonly LabCase[]): LabResult[] {
  const output = execFileSync(process.execPath, [LAB, RUNTIME_DIST], { input: JSON.stringify({ cases }), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output.toString('utf8')) as LabResult[];
}

/** One schema, normalised (or refused). */
export function normalise(schema: unknown, param = 'schema'): LabResult {
  return runLab([{ schema, param }])[0];
}
