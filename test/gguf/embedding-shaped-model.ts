/**
 * A decoder embedding model with the shapes of Qwen3-Embedding-0.6B (28 blocks, 1024 wide, 3072 ffn, 16 heads,
 * 8 KV heads, 151669 tokens, 32768 context, last-token pooling, EOS appended, tied output, Q8_0 as the official
 * GGUF ships) and random weights: the benchmark input for `/v1/embeddings`. It is written with qwen2's tensors,
 * which differ from Qwen3's in two ways: no per-head q/k RMS norm (qk-norm), and a head length of width / heads
 * (64) where Qwen3 uses 128, so the Q and output projections are half of the real ones (about 80 % of the real
 * per-block weights; the KV cache is half as well). The vocabulary, the FFN and the depth are the real ones.
 */
import { GgmlType } from './ggml-types';
import { GgufLayout } from './gguf-writer';
import { PoolingType, Qwen2Shape, qwen2Writer } from './qwen2-gguf';
import { filled, randomQ8_0, zeros } from './tensor-data';
import { buildVocabulary } from './vocabulary';

export const QWEN3_EMBEDDING_0_6B_SHAPE: Qwen2Shape = {
  contextLength: 32768,
  embeddingLength: 1024,
  blockCount: 28,
  feedForwardLength: 3072,
  headCount: 16,
  headCountKv: 8,
  ropeFreqBase: 1_000_000,
  rmsEpsilon: 1e-6,
};
export const QWEN3_EMBEDDING_0_6B_VOCAB_SIZE = 151669;

export interface EmbeddingShapedModelOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Overrides the shape (tests use a smaller one to check the layout cheaply). */
  readonly shape?: Qwen2Shape;
  readonly vocabularySize?: number;
}

export interface EmbeddingShapedModelInfo {
  readonly path: string;
  readonly layout: GgufLayout;
}

function embeddingWriter(opts: EmbeddingShapedModelOptions) {
  const seed = opts.seed ?? 1;
  let salt = 0;
  return qwen2Writer({
    name: 'Qwen3-Embedding-0.6B shaped random benchmark fixture',
    shape: opts.shape ?? QWEN3_EMBEDDING_0_6B_SHAPE,
    vocab: buildVocabulary({ size: opts.vocabularySize ?? QWEN3_EMBEDDING_0_6B_VOCAB_SIZE }),
    fileType: 7,
    poolingType: PoolingType.LAST,
    addEosToken: true,
    tiedOutput: true,
    tensor: (req) => {
      const s = seed * 100019 + ++salt;
      if (req.role === 'norm') return { type: GgmlType.F32, data: filled(GgmlType.F32, req.dims[0], 1) };
      if (req.role === 'attn_bias') return { type: GgmlType.F32, data: zeros(GgmlType.F32, req.dims) };
      // int8 values from -128 to 127: scales giving the same spread as the shaped R1 file's Q4_0 weights
      const scale = req.role === 'token_embd' ? 0.0006 : 0.00025;
      return { type: GgmlType.Q8_0, data: randomQ8_0(req.dims, s, scale) };
    },
  });
}

/** Writes the ~0.5 GB file (seconds here). */
export function writeEmbeddingShapedModel(path: string, opts: EmbeddingShapedModelOptions = {}): EmbeddingShapedModelInfo {
  return { path, layout: embeddingWriter(opts).write(path) };
}

/** The layout writeEmbeddingShapedModel would produce, without writing anything. */
export function planEmbeddingShapedModel(opts: EmbeddingShapedModelOptions = {}): { header: Buffer; layout: GgufLayout } {
  const { bytes, layout } = embeddingWriter(opts).header();
  return { header: bytes, layout };
}
