/**
 * Runs cfn-lint (1.51, installed on this kind of machine; not an npm package) over synthesized templates: the
 * CloudFormation resource schemas and Lambda's own limits, the closest thing to a deployment the tests can run.
 * One call for every template, because cfn-lint spends most of its seconds starting up.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface CfnLintFinding {
  /** The name the template was given. */
  readonly template: string;
  /** E…, W… or I… */
  readonly rule: string;
  readonly level: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  /** Where in the template, as Resources/<id>/Properties/... */
  readonly path: string;
}

/** The installed cfn-lint's version, or an error that says what to install. */
export function cfnLintVersion(): string {
  try {
    return execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('cfn-lint is not installed: these tests run it over every synthesized template. Install cfn-lint 1.51 '
      + '(Python: pip install cfn-lint==1.51.0) where PyPI is reachable; CI\'s machines have it.');
  }
}

/** Lints each template (name → template JSON) in one cfn-lint run and returns what it found. */
export function cfnLint(templates: Record<string, unknown>): CfnLintFinding[] {
  cfnLintVersion();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  try {
    const files = Object.entries(templates).map(([name, template]) => {
      const file = path.join(dir, `${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify(template, undefined, 1));
      return file;
    });
    const run = spawnSync('cfn-lint', ['--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    // Exit codes are bit flags of the levels found (2 error, 4 warning, 8 informational); an odd one (flag 1) is
    // a failure of cfn-lint itself.
    if (run.error || run.status === null || run.status % 2 === 1) {
      throw new Error(`cfn-lint failed (exit ${run.status}): ${run.error?.message ?? run.stderr}`);
    }
    const matches = JSON.parse(run.stdout || '[]') as Array<{
      Filename: string; Level: CfnLintFinding['level']; Message: string; Rule: { Id: string }; Location: { Path: Array<string | number> };
    }>;
    return matches.map((m) => ({
      template: path.basename(m.Filename).replace(/\.template\.json$/, ''),
      rule: m.Rule.Id,
      level: m.Level,
      message: m.Message,
      path: m.Location.Path.join('/'),
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
