/**
 * A model with exactly the tensor shapes of DeepSeek-R1-Distill-Qwen-1.5B (qwen2, 28 blocks, 1536
 * wide, 8960 ffn, 12 heads, 2 KV heads, 151936 tokens, 131072 context in the metadata) and random
 * Q4_0 weights: ~1.0 GB that decodes at the real model's speed, for the benchmark. Weights are small
 * so activations stay finite. The vocabulary is the real byte and word tokens, filler tokens, and the
 * DeepSeek special tokens at their real ids (151643…). Like the tiny model, an output bias of -1000 on
 * the special tokens keeps random weights from ever ending a generation early, so a benchmark always
 * runs to its max tokens (one extra vector add per token: no measurable cost).
 */
import { GgmlType } from './ggml-types';
import { GgufLayout } from './gguf-writer';
import { Qwen2Shape, qwen2Writer } from './qwen2-gguf';
import { TokenType } from './special-tokens';
import { filled, fromValues, randomQ4_0, zeros } from './tensor-data';
import { buildVocabulary } from './vocabulary';

export const DEEPSEEK_R1_DISTILL_QWEN_1_5B_SHAPE: Qwen2Shape = {
  contextLength: 131072,
  embeddingLength: 1536,
  blockCount: 28,
  feedForwardLength: 8960,
  headCount: 12,
  headCountKv: 2,
  ropeFreqBase: 10000,
  rmsEpsilon: 1e-6,
};
export const DEEPSEEK_R1_DISTILL_QWEN_1_5B_VOCAB_SIZE = 151936;

export interface ShapedModelOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Overrides the shape (tests use a smaller one to check the layout cheaply). */
  readonly shape?: Qwen2Shape;
  readonly vocabularySize?: number;
}

export interface ShapedModelInfo {
  readonly path: string;
  readonly layout: GgufLayout;
}

function shapedWriter(opts: ShapedModelOptions) {
  const seed = opts.seed ?? 1;
  const vocab = buildVocabulary({ size: opts.vocabularySize ?? DEEPSEEK_R1_DISTILL_QWEN_1_5B_VOCAB_SIZE });
  const bias = new Float32Array(vocab.tokens.length);
  vocab.types.forEach((t, id) => {
    if (t === TokenType.CONTROL || t === TokenType.USER_DEFINED) bias[id] = -1000;
  });
  let salt = 0;
  return qwen2Writer({
    name: 'DeepSeek-R1-Distill-Qwen-1.5B shaped random benchmark fixture',
    shape: opts.shape ?? DEEPSEEK_R1_DISTILL_QWEN_1_5B_SHAPE,
    vocab,
    fileType: 2,
    withOutputBias: true,
    tensor: (req) => {
      const s = seed * 100003 + ++salt;
      if (req.role === 'norm') return { type: GgmlType.F32, data: filled(GgmlType.F32, req.dims[0], 1) };
      if (req.role === 'output_bias') return { type: GgmlType.F32, data: fromValues(GgmlType.F32, bias) };
      if (req.role === 'attn_bias') return { type: GgmlType.F32, data: zeros(GgmlType.F32, req.dims) };
      // embeddings are larger so the first RMS norm sees a well-conditioned input
      const scale = req.role === 'token_embd' ? 0.01 : 0.004;
      return { type: GgmlType.Q4_0, data: randomQ4_0(req.dims, s, scale) };
    },
  });
}

/** Writes the ~1 GB file (about 20 s here). */
export function writeDeepSeekR1ShapedModel(path: string, opts: ShapedModelOptions = {}): ShapedModelInfo {
  const layout = shapedWriter(opts).write(path);
  return { path, layout };
}

/** The layout writeDeepSeekR1ShapedModel would produce, without writing anything. */
export function planDeepSeekR1ShapedModel(opts: ShapedModelOptions = {}): { header: Buffer; layout: GgufLayout } {
  const { bytes, layout } = shapedWriter(opts).header();
  return { header: bytes, layout };
}
