import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** node-llama-cpp ships the llama.cpp source it was built from as a git bundle. */
export const LLAMA_CPP_BUNDLE = path.join(__dirname, '..', '..', 'runtime', 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');

/**
 * Builds llama.cpp's own tools (llama-server, llama-bench) from node-llama-cpp's bundled source, so the native
 * anchor runs the same llama.cpp as the server. The checkout and the build live in `cacheDir` under the bundle's
 * commit (about 8 minutes on 2 cores the first time; later calls find the binaries and return at once).
 * llama.cpp's own default build (native CPU flags, OpenMP when the compiler has it), without curl or tests.
 */
export function buildLlamaCppTool(tool: 'llama-server' | 'llama-bench', cacheDir: string,
  log: (line: string) => void = () => undefined): string {
  if (!existsSync(LLAMA_CPP_BUNDLE)) throw new Error(`${LLAMA_CPP_BUNDLE} is missing: run npm --prefix runtime ci first`);
  const heads = execFileSync('git', ['bundle', 'list-heads', LLAMA_CPP_BUNDLE], { encoding: 'utf8' });
  const commit = /^([0-9a-f]{40}) /m.exec(heads)?.[1];
  if (commit === undefined) throw new Error(`no commit in ${LLAMA_CPP_BUNDLE}`);
  const source = path.join(cacheDir, `llama.cpp-${commit.slice(0, 12)}`);
  const binary = path.join(source, 'build', 'bin', tool);
  if (existsSync(binary)) return binary;

  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(path.join(source, 'CMakeLists.txt'))) {
    // Clone beside the final folder and move it in: an interrupted clone never looks like a source tree.
    const partial = `${source}.partial`;
    rmSync(partial, { recursive: true, force: true });
    log(`llama.cpp: cloning ${commit.slice(0, 12)} from node-llama-cpp's bundle`);
    execFileSync('git', ['clone', '--quiet', LLAMA_CPP_BUNDLE, partial], { stdio: 'inherit' });
    execFileSync('git', ['-C', partial, 'checkout', '--quiet', commit], { stdio: 'inherit' });
    renameSync(partial, source);
  }
  const started = performance.now();
  log(`llama.cpp: building ${tool} (cmake, ${os.availableParallelism()} jobs; minutes on a small machine)`);
  execFileSync('cmake', ['-S', source, '-B', path.join(source, 'build'), '-DCMAKE_BUILD_TYPE=Release',
    '-DGGML_NATIVE=ON', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DBUILD_SHARED_LIBS=OFF'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', path.join(source, 'build'), '--target', tool, '-j', String(os.availableParallelism())],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(binary)) throw new Error(`the build finished without ${binary}`);
  log(`llama.cpp: ${tool} built in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  return binary;
}
