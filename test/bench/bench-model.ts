import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureModel } from '../gguf';

const MODEL_KIND = 'deepseek-r1-shaped';

/**
 * The benchmark model: DeepSeek-R1-Distill-Qwen-1.5B's exact tensor shapes with random Q4_0 weights (1.0 GB),
 * generated once into `cacheDir`. Stale generations (older generator code) are deleted: they are 1 GB each.
 */
export function benchmarkModel(cacheDir: string): { path: string; generatedMs: number; cached: boolean } {
  mkdirSync(cacheDir, { recursive: true });
  const started = performance.now();
  const before = new Set(readdirSync(cacheDir));
  const info = ensureModel(MODEL_KIND, { dir: cacheDir });
  const name = path.basename(info.path);
  for (const file of readdirSync(cacheDir)) {
    if (file.startsWith(`${MODEL_KIND}-`) && file.endsWith('.gguf') && file !== name) rmSync(path.join(cacheDir, file));
  }
  return { path: info.path, generatedMs: performance.now() - started, cached: before.has(name) };
}
