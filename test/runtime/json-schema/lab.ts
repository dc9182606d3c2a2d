/** Talks to test/runtime/json-schema/schema-lab.mjs (see there), one child process per test file. */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

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

export class SchemaLab {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor() {
    this.child = spawn(process.execPath, [LAB, RUNTIME_DIST], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.on('exit', () => {
      for (const reject of this.waiting.splice(0)) reject(JSON.stringify({ labExited: this.stderr }));
    });
  }

  async run(cases: readonly LabCase[]): Promise<LabResult[]> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify({ cases })}\n`);
    });
    const parsed = JSON.parse(line);
    if (!Array.isArray(parsed)) throw new Error(`schema lab failed: ${parsed.labExited}`);
    return parsed as LabResult[];
  }

  /** One schema, normalised (or refused). */
  async normalise(schema: unknown, param = 'schema'): Promise<LabResult> {
    return (await this.run([{ schema, param }]))[0];
  }

  stop(): void {
    this.child.stdin.end();
  }
}
