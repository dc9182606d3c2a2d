/** A minimal test harness for a script: named checks, a line each, and `N passed, M failed` at the end. */

export class Harness {
  private passed = 0;
  private failed = 0;

  async check(name: string, body: () => Promise<void> | void): Promise<boolean> {
    const started = Date.now();
    try {
      await body();
      this.passed++;
      console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return true;
    } catch (error) {
      this.failed++;
      const message = error instanceof Error ? error.message : String(error);
      console.log(`  ✗ ${name}\n${message.split('\n').map((line) => `      ${line}`).join('\n')}`);
      return false;
    }
  }

  /** Records a failure that happened outside any check (set-up, clean-up). */
  fail(name: string, error: unknown): void {
    this.failed++;
    console.log(`  ✗ ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }

  get failures(): number {
    return this.failed;
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed`;
  }
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function expectTrue(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
