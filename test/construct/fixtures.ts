import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';

/** A GGUF metadata value for {@link writeGgufHeader}. */
export type GgufValue =
  | { readonly u32: number }
  | { readonly f32: number }
  | { readonly str: string }
  | { readonly u32s: number[] }
  | { readonly strs: string[] };

function u32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; }
function u64(n: number): Buffer { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; }
function str(s: string): Buffer { const bytes = Buffer.from(s, 'utf8'); return Buffer.concat([u64(bytes.length), bytes]); }

function encode(value: GgufValue): Buffer {
  if ('u32' in value) return Buffer.concat([u32(4), u32(value.u32)]);
  if ('f32' in value) { const b = Buffer.alloc(4); b.writeFloatLE(value.f32); return Buffer.concat([u32(6), b]); }
  if ('str' in value) return Buffer.concat([u32(8), str(value.str)]);
  if ('u32s' in value) return Buffer.concat([u32(9), u32(4), u64(value.u32s.length), ...value.u32s.map(u32)]);
  return Buffer.concat([u32(9), u32(8), u64(value.strs.length), ...value.strs.map(str)]);
}

/** The metadata of a model shaped like DeepSeek-R1-Distill-Qwen-1.5B (qwen2: 28 layers, 12 heads, 2 KV heads, 1536 wide). */
export const QWEN2_1_5B_METADATA: Record<string, GgufValue> = {
  'general.architecture': { str: 'qwen2' },
  'general.name': { str: 'DeepSeek R1 Distill Qwen 1.5B (test header)' },
  'qwen2.context_length': { u32: 131072 },
  'qwen2.embedding_length': { u32: 1536 },
  'qwen2.block_count': { u32: 28 },
  'qwen2.feed_forward_length': { u32: 8960 },
  'qwen2.attention.head_count': { u32: 12 },
  'qwen2.attention.head_count_kv': { u32: 2 },
  'qwen2.attention.layer_norm_rms_epsilon': { f32: 1e-6 },
  'tokenizer.ggml.model': { str: 'gpt2' },
  'tokenizer.ggml.tokens': { strs: ['<｜begin▁of▁sentence｜>', 'hello', 'world', '<think>', '</think>'] },
};

/**
 * Writes a GGUF v3 file with the given metadata and no tensors, padded with `paddingBytes` of zeros: enough
 * for synth (which reads only the header), not for inference.
 */
export function writeGgufHeader(file: string, metadata: Record<string, GgufValue>, paddingBytes = 4096): string {
  const entries = Object.entries(metadata);
  const parts = [Buffer.from('GGUF', 'latin1'), u32(3), u64(0), u64(entries.length)];
  for (const [key, value] of entries) parts.push(str(key), encode(value));
  parts.push(Buffer.alloc(paddingBytes));
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** A fresh temporary folder, removed by {@link cleanTempDirs}. */
const tempDirs: string[] = [];
export function tempDir(prefix = 'llm-function-url-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
export function cleanTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A small GGUF model shaped like DeepSeek-R1-Distill-Qwen-1.5B, for LlmModel.fromFile. */
export function writeSmallModel(name = 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf'): string {
  return writeGgufHeader(path.join(tempDir(), name), QWEN2_1_5B_METADATA);
}

/** A SHA-256 that looks right (the tests never download it). */
export const EXAMPLE_SHA256 = 'a'.repeat(64);
export const EXAMPLE_URL = 'https://models.example.com/deepseek/resolve/0123456789abcdef/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';

/** The Docker image assets of a synthesized stack: build directory, args and platform. */
export interface DockerImageSource {
  readonly directory: string;
  readonly dockerBuildArgs?: Record<string, string>;
  readonly platform?: string;
}

/** Synthesizes `stack`'s app and returns the Docker image sources of its asset manifest (absolute directories). */
export function dockerImageSources(stack: Stack): DockerImageSource[] {
  const assembly = (stack.node.root as App).synth();
  const manifestFile = path.join(assembly.directory, `${stack.artifactId}.assets.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { dockerImages: Record<string, { source: DockerImageSource }> };
  return Object.values(manifest.dockerImages).map(({ source }) => ({ ...source, directory: path.join(assembly.directory, source.directory) }));
}

/** A stack in a fresh app whose cloud assembly goes to a temporary folder (removed by {@link cleanTempDirs}). */
export function newStack(id = 'Test'): Stack {
  const app = new App({ outdir: tempDir('cdk-out-') });
  return new Stack(app, id, { env: { account: '123456789012', region: 'eu-west-1' } });
}
