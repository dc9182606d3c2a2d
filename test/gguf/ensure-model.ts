/**
 * Generated models cached on disk, shared by test files: the file name carries a hash of the kind,
 * the options and this folder's source code, so a generator change never serves a stale file.
 * Files are written under a temporary name and renamed, so concurrent writers cannot tear a file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EmbeddingShapedModelInfo, EmbeddingShapedModelOptions, planEmbeddingShapedModel, writeEmbeddingShapedModel } from './embedding-shaped-model';
import { planScriptedModel, ScriptedModelInfo, ScriptedModelOptions } from './scripted-model';
import { ShapedModelInfo, ShapedModelOptions, planDeepSeekR1ShapedModel, writeDeepSeekR1ShapedModel } from './shaped-model';
import { TinyModelInfo, TinyModelOptions, writeTinyRandomModel } from './tiny-model';
import { buildVocabulary } from './vocabulary';

export const DEFAULT_FIXTURE_DIR = path.join(os.tmpdir(), 'llm-function-url-fixtures');

let sourceHash: string | undefined;
/** Hash of every generator source file, standing in for a hand-maintained generator version. */
function generatorVersion(): string {
  if (sourceHash === undefined) {
    const h = createHash('sha256');
    for (const f of fs.readdirSync(__dirname).filter((n) => /\.(ts|js)$/.test(n)).sort()) {
      h.update(f).update(fs.readFileSync(path.join(__dirname, f)));
    }
    sourceHash = h.digest('hex');
  }
  return sourceHash;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

/** `<kind>-<options hash>-<generator hash>.gguf` */
function cachedPath(kind: string, opts: object, dir: string): string {
  return path.join(dir, `${kind}-${hash(JSON.stringify(opts))}-${generatorVersion().slice(0, 12)}.gguf`);
}

/** Deletes files of the same kind and options written by older generator versions (1 GB each for the shaped kind). */
function removeStale(keep: string): void {
  const dir = path.dirname(keep);
  const prefix = path.basename(keep).split('-').slice(0, -1).join('-') + '-';
  for (const f of fs.readdirSync(dir)) {
    const full = path.join(dir, f);
    if (full !== keep && f.startsWith(prefix) && f.endsWith('.gguf')) fs.rmSync(full, { force: true });
  }
}

export interface EnsureOptions {
  /** @default DEFAULT_FIXTURE_DIR (os.tmpdir()/llm-function-url-fixtures) */
  readonly dir?: string;
}

export function ensureModel(kind: 'tiny', opts?: TinyModelOptions & EnsureOptions): TinyModelInfo;
export function ensureModel(kind: 'scripted', opts: ScriptedModelOptions & EnsureOptions): ScriptedModelInfo;
export function ensureModel(kind: 'deepseek-r1-shaped', opts?: ShapedModelOptions & EnsureOptions): ShapedModelInfo;
export function ensureModel(kind: 'qwen3-embedding-shaped', opts?: EmbeddingShapedModelOptions & EnsureOptions): EmbeddingShapedModelInfo;
export function ensureModel(
  kind: 'tiny' | 'scripted' | 'deepseek-r1-shaped' | 'qwen3-embedding-shaped',
  opts: (TinyModelOptions | ScriptedModelOptions | ShapedModelOptions | EmbeddingShapedModelOptions) & EnsureOptions = {},
): TinyModelInfo | ScriptedModelInfo | ShapedModelInfo | EmbeddingShapedModelInfo {
  const { dir = DEFAULT_FIXTURE_DIR, ...modelOpts } = opts;
  const file = cachedPath(kind, modelOpts, dir);
  const exists = fs.existsSync(file);
  switch (kind) {
    case 'scripted': {
      const plan = planScriptedModel(modelOpts as ScriptedModelOptions);
      if (exists) {
        const { write: _write, ...info } = plan;
        return { path: file, ...info };
      }
      return plan.write(file);
    }
    case 'tiny':
      return exists ? { path: file, vocabularySize: buildVocabulary().tokens.length } : writeTinyRandomModel(file, modelOpts as TinyModelOptions);
    case 'deepseek-r1-shaped': {
      if (exists) return { path: file, layout: planDeepSeekR1ShapedModel(modelOpts as ShapedModelOptions).layout };
      const info = writeDeepSeekR1ShapedModel(file, modelOpts as ShapedModelOptions);
      removeStale(file);
      return info;
    }
    case 'qwen3-embedding-shaped': {
      if (exists) return { path: file, layout: planEmbeddingShapedModel(modelOpts as EmbeddingShapedModelOptions).layout };
      const info = writeEmbeddingShapedModel(file, modelOpts as EmbeddingShapedModelOptions);
      removeStale(file);
      return info;
    }
    default:
      throw new Error(`unknown model kind ${String(kind)}`);
  }
}
