import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface RuntimeLayerSize {
  readonly bytes: number;
  readonly nodeModulesBytes: number;
  readonly distBytes: number;
  /** runtime/ui: the chat page's static files. */
  readonly uiBytes: number;
  readonly packages: number;
  readonly method: string;
}

/** Folders and files runtime/Dockerfile deletes from the production install (kept in step with it by hand). */
function prunedByDockerfile(relative: string, isDirectory: boolean, arch: string): boolean {
  const parts = relative.split(path.sep);
  if (parts[0] === '@node-llama-cpp' && parts.length >= 2 && parts[1] !== `linux-${arch}`) return true;
  if (parts[0] === 'node-llama-cpp' && parts[1] === 'llama' && parts.length >= 3 &&
    !['grammars', 'package.json', 'llama.cpp.info.json', 'binariesGithubRelease.json'].includes(parts[2])) return true;
  if (parts[0] === 'node-llama-cpp' && parts[1] === 'templates') return true;
  if (parts[0] === 'typescript') return true;
  if (isDirectory && parts[parts.length - 1] === 'dist-types') return true;
  return !isDirectory && /\.(map|d\.ts|d\.mts|d\.cts)$/.test(relative);
}

function sumFiles(root: string, relativeTo: string, skip: (relative: string, isDirectory: boolean) => boolean): number {
  let total = 0;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    const relative = path.relative(relativeTo, full);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      // Nested node_modules are packages of their own, counted when npm lists them.
      if (entry.name === 'node_modules' || skip(relative, true)) continue;
      total += sumFiles(full, relativeTo, skip);
    } else if (!skip(relative, false)) {
      total += lstatSync(full).size;
    }
  }
  return total;
}

/**
 * The runtime's image layers without the model, estimated from this checkout: the production
 * dependencies npm lists, minus what runtime/Dockerfile prunes, plus dist/ and ui/ (file bytes, as a layer
 * tar holds them; the Lambda Web Adapter extension and the base image are not included).
 */
export function measureRuntimeLayer(runtimeDir: string): RuntimeLayerSize {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const listing = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: runtimeDir, encoding: 'utf8' });
  const nodeModules = path.join(runtimeDir, 'node_modules');
  const packages = [...new Set(listing.split('\n').map((line) => line.trim()).filter((line) => line.startsWith(nodeModules + path.sep)))];
  let nodeModulesBytes = 0;
  for (const dir of packages) {
    const relative = path.relative(nodeModules, dir);
    if (prunedByDockerfile(relative, true, arch)) continue;
    nodeModulesBytes += sumFiles(dir, nodeModules, (rel, isDirectory) => prunedByDockerfile(rel, isDirectory, arch));
  }
  const distBytes = sumFiles(path.join(runtimeDir, 'dist'), runtimeDir, () => false) + lstatSync(path.join(runtimeDir, 'package.json')).size;
  const uiBytes = sumFiles(path.join(runtimeDir, 'ui'), runtimeDir, () => false);
  return {
    bytes: nodeModulesBytes + distBytes + uiBytes,
    nodeModulesBytes,
    distBytes,
    uiBytes,
    packages: packages.length,
    method: `production dependencies listed by npm ls --omit=dev (${packages.length} packages) minus what runtime/Dockerfile prunes (other platforms' binaries, the llama.cpp source bundle, templates, typings, source maps), plus dist/ and the chat page (ui/)`,
  };
}
