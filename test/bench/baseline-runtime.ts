import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.join(__dirname, '..', '..');
const RUNTIME_DIR = path.join(REPO_ROOT, 'runtime');

/**
 * The server as another commit has it (e.g. `main`: "today's server"), compiled into the cache, so one run can
 * compare the two builds side by side. Only runtime/src and its tsconfig come from that commit; it runs on this
 * checkout's node_modules, so the commit must pin the same dependencies (checked: its package.json must match).
 * Returns the entry file, or undefined (with the reason logged) when the commit cannot be used.
 */
export function buildRuntimeAt(ref: string, cacheDir: string, log: (line: string) => void): string | undefined {
  let commit: string;
  try {
    commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    log(`baseline: no commit named "${ref}" here; the run goes without it`);
    return undefined;
  }
  const theirs = execFileSync('git', ['-C', REPO_ROOT, 'show', `${commit}:runtime/package.json`], { encoding: 'utf8' });
  const ours = execFileSync('git', ['-C', REPO_ROOT, 'show', 'HEAD:runtime/package.json'], { encoding: 'utf8' });
  if (JSON.parse(theirs).dependencies?.['node-llama-cpp'] !== JSON.parse(ours).dependencies?.['node-llama-cpp']) {
    log(`baseline: ${ref} pins another node-llama-cpp than this checkout; the run goes without it`);
    return undefined;
  }
  const dir = path.join(cacheDir, `runtime-${commit.slice(0, 12)}`);
  const entry = path.join(dir, 'dist', 'server.js');
  if (existsSync(entry)) return entry;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['-C', REPO_ROOT, 'archive', commit, 'runtime/src', 'runtime/tsconfig.json', 'runtime/package.json']);
  execFileSync('tar', ['-x', '-C', dir, '--strip-components=1'], { input: archive });
  symlinkSync(path.join(RUNTIME_DIR, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(path.join(RUNTIME_DIR, 'node_modules', '.bin', 'tsc'), ['-p', path.join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  log(`baseline: ${ref} (${commit.slice(0, 12)}) compiled into ${path.relative(REPO_ROOT, dir)}`);
  return entry;
}
