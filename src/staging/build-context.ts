import * as fs from 'fs';
import * as path from 'path';
import { STAGED_MODEL_FILE } from '../runtime-contract';

/** The files of runtime/ that the image build uses: what the npm package ships, never sources or dependencies. */
export const RUNTIME_CONTEXT_FILES = ['Dockerfile', 'package.json', 'package-lock.json'];
export const RUNTIME_CONTEXT_OPTIONAL_FILES = ['.dockerignore'];
/** dist/ is the compiled server (built before packaging); ui/ is the chat page's static files. */
export const RUNTIME_CONTEXT_DIRS = ['dist', 'ui'];

/** What {@link stageBuildContext} assembles. */
export interface BuildContextInputs {
  /** The packaged runtime folder (Dockerfile, dist/, ui/, package.json, package-lock.json). */
  readonly runtimeDir: string;
  /** The folder to (re)create as the build context. */
  readonly contextDir: string;
  /** A GGUF file to place in the context as `model.gguf`. */
  readonly modelFile?: string;
}

function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) {
      files.push(...listFiles(dir, relative));
    } else if (entry.isFile()) {
      files.push(relative);
    }
  }
  return files;
}

/** Copies `from` to `to` unless `to` already has the same bytes (keeps mtimes, so CDK's fingerprint cache stays warm). */
function syncSmallFile(from: string, to: string): void {
  const bytes = fs.readFileSync(from);
  if (fs.existsSync(to) && fs.readFileSync(to).equals(bytes)) {
    return;
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, bytes);
}

/**
 * Places the model at `to` as a hard link (no copy, same inode: CDK's fingerprint cache recognises it) or,
 * across file systems, as a copy. Keeps an existing link to the same file.
 */
function linkModel(from: string, to: string): void {
  const source = fs.statSync(from);
  if (fs.existsSync(to)) {
    const target = fs.statSync(to);
    if (target.ino === source.ino && target.dev === source.dev) {
      return;
    }
    fs.rmSync(to, { force: true });
  }
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

/**
 * Stages the Docker build context: the runtime's build files plus, for a local model, the GGUF as
 * `model.gguf`. The same inputs always give the same files, so the image asset hash changes only when
 * the runtime or the model changes. Files left over from an earlier synth are removed.
 *
 * @returns the context folder
 */
export function stageBuildContext(inputs: BuildContextInputs): string {
  const runtimeDir = path.resolve(inputs.runtimeDir);
  const wanted = new Map<string, string>();
  for (const file of RUNTIME_CONTEXT_FILES) {
    const from = path.join(runtimeDir, file);
    if (!fs.existsSync(from)) {
      throw new Error(`The runtime folder ${runtimeDir} has no ${file}: the llm-function-url package is incomplete`);
    }
    wanted.set(file, from);
  }
  for (const file of RUNTIME_CONTEXT_OPTIONAL_FILES) {
    const from = path.join(runtimeDir, file);
    if (fs.existsSync(from)) wanted.set(file, from);
  }
  for (const dir of RUNTIME_CONTEXT_DIRS) {
    const from = path.join(runtimeDir, dir);
    if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) {
      const remedy = dir === 'dist' ? 'build the runtime first (npm --prefix runtime run build)' : 'the llm-function-url package is incomplete';
      throw new Error(`The runtime folder ${runtimeDir} has no ${dir}/ folder: ${remedy}`);
    }
    for (const file of listFiles(from)) {
      wanted.set(path.join(dir, file), path.join(from, file));
    }
  }

  const contextDir = path.resolve(inputs.contextDir);
  fs.mkdirSync(contextDir, { recursive: true });
  for (const existing of listFiles(contextDir)) {
    if (!wanted.has(existing) && !(inputs.modelFile && existing === STAGED_MODEL_FILE)) {
      fs.rmSync(path.join(contextDir, existing), { force: true });
    }
  }
  for (const [relative, from] of wanted) {
    syncSmallFile(from, path.join(contextDir, relative));
  }
  if (inputs.modelFile) {
    linkModel(inputs.modelFile, path.join(contextDir, STAGED_MODEL_FILE));
  }
  return contextDir;
}
