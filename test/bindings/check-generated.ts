/**
 * Compile checks of the generated bindings that run on a machine without the languages' package managers:
 * Python is byte-compiled (`python3 -m compileall`: every file parses), Go is parsed by `gofmt -e` (every
 * syntax error is reported). Neither resolves imports (aws-cdk-lib's Python and Go
 * packages are not installed), so this proves the generated code is well-formed, not that it links.
 * A missing tool is a failure with the package to install, never a silent skip.
 *
 * Usage: ts-node test/bindings/check-generated.ts <jsii-pacmak --outdir>
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

interface Check {
  readonly language: string;
  readonly folder: string;
  readonly command: string;
  readonly args: (folder: string) => string[];
  /** Debian package that provides `command`. */
  readonly debianPackage: string;
  /** Anything printed on stdout is a failure too (gofmt -l lists files that are not gofmt-clean). */
  readonly stdoutIsFailure: boolean;
}

const CHECKS: Check[] = [
  {
    language: 'Python',
    folder: 'python',
    command: 'python3',
    args: (folder) => ['-m', 'compileall', '-q', folder],
    debianPackage: 'python3',
    stdoutIsFailure: true,
  },
  {
    language: 'Go',
    folder: 'go',
    command: 'gofmt',
    args: (folder) => ['-e', '-l', folder],
    debianPackage: 'golang-go',
    // jsii-pacmak --code-only does not run gofmt itself, so -l lists every file: only errors count.
    stdoutIsFailure: false,
  },
];

function sourceFiles(dir: string, extension: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full, extension);
    return entry.name.endsWith(extension) ? [full] : [];
  });
}

function run(outdir: string, check: Check): string | undefined {
  const folder = path.join(outdir, check.folder);
  if (!fs.existsSync(folder)) return `${check.language}: ${folder} does not exist; run jsii-pacmak first`;
  const files = sourceFiles(folder, check.language === 'Go' ? '.go' : '.py');
  if (files.length === 0) return `${check.language}: no source files under ${folder}`;
  const result = spawnSync(check.command, check.args(folder), { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return `${check.language}: ${check.command} is not installed; install it (Debian: apt-get install ${check.debianPackage}) - this check is never skipped`;
  }
  if (result.error) return `${check.language}: ${check.command} failed to run: ${result.error.message}`;
  const output = (check.stdoutIsFailure ? `${result.stdout}${result.stderr}` : result.stderr).trim();
  if (result.status !== 0 || (check.stdoutIsFailure && result.stdout.trim() !== '')) {
    return `${check.language}: ${check.command} ${check.args(folder).join(' ')} failed (exit ${result.status}):\n${output}`;
  }
  console.log(`${check.language}: ${files.length} files pass ${check.command} ${check.args(folder).slice(0, -1).join(' ')}`);
  return undefined;
}

const outdir = process.argv[2];
if (!outdir) {
  console.error('usage: check-generated.ts <jsii-pacmak outdir>');
  process.exit(2);
}
const failures = CHECKS.map((check) => run(outdir, check)).filter((f): f is string => f !== undefined);
for (const failure of failures) console.error(failure);
process.exit(failures.length === 0 ? 0 : 1);
