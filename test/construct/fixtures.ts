import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { GgufMetadata, writeGgufHeaderOnly } from '../gguf';

/** The metadata of a model shaped like DeepSeek-R1-Distill-Qwen-1.5B (qwen2: 28 layers, 12 heads, 2 KV heads, 1536 wide). */
export const QWEN2_1_5B_METADATA: GgufMetadata = {
  'general.architecture': { type: 'string', value: 'qwen2' },
  'general.name': { type: 'string', value: 'DeepSeek R1 Distill Qwen 1.5B (test header)' },
  'qwen2.context_length': { type: 'u32', value: 131072 },
  'qwen2.embedding_length': { type: 'u32', value: 1536 },
  'qwen2.block_count': { type: 'u32', value: 28 },
  'qwen2.feed_forward_length': { type: 'u32', value: 8960 },
  'qwen2.attention.head_count': { type: 'u32', value: 12 },
  'qwen2.attention.head_count_kv': { type: 'u32', value: 2 },
  'qwen2.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
  'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
  'tokenizer.ggml.tokens': { type: 'string[]', value: ['<｜begin▁of▁sentence｜>', 'hello', 'world', '<think>', '</think>'] },
  'tokenizer.ggml.merges': { type: 'string[]', value: ['h ello', 'w orld'] },
};

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

/**
 * A small GGUF file with the header of DeepSeek-R1-Distill-Qwen-1.5B, for LlmModel.fromFile: enough for synth
 * (which reads only the header), not for inference. 4 KiB of zeros follow the header, standing in for weights.
 */
export function writeSmallModel(name = 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf'): string {
  return writeGgufHeaderOnly(path.join(tempDir(), name), QWEN2_1_5B_METADATA, { trailingBytes: Buffer.alloc(4096) });
}

/** A SHA-256 that looks right (the tests never download it). */
export const EXAMPLE_SHA256 = 'a'.repeat(64);
export const EXAMPLE_URL = 'https://models.example.com/deepseek/resolve/0123456789abcdef/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';

/** The Docker image assets of a synthesized stack: build directory, args and platform. */
export interface DockerImageSource {
  readonly directory: string;
  readonly dockerBuildArgs?: Record<string, string>;
  readonly dockerBuildTarget?: string;
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
export function newStack(id = 'Test', region = 'eu-west-1'): Stack {
  const app = new App({ outdir: tempDir('cdk-out-') });
  return new Stack(app, id, { env: { account: '123456789012', region } });
}
