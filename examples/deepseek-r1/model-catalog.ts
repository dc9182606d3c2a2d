import { EmbeddingPooling } from '../../src';

/**
 * The DeepSeek-R1 distills this example deploys, each pinned to the Hugging Face commit that uploaded
 * the file, with the SHA-256 and size Hugging Face publishes for it (its "Git LFS details"). A
 * `resolve/<commit>/` URL always serves those exact bytes, and the image build checks the SHA-256 anyway.
 */
export type DeepSeekR1Variant = '1.5b' | '7b' | '8b';

/** Every model the example can deploy (`-c model=...`): the distills and an embedding model. */
export type ModelVariant = DeepSeekR1Variant | 'qwen3-embedding-0.6b';

export interface CatalogModel {
  readonly name: string;
  readonly url: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** 2 (K and V) x layers x KV heads x head length x 2 bytes (f16 cache). */
  readonly kvCacheBytesPerToken: number;
  /** Set for an embedding model: what its model card says, for the tuner. */
  readonly embedding?: { readonly pooling: EmbeddingPooling; readonly vocabularySize: number };
}

export const DEEPSEEK_R1_MODELS: Record<DeepSeekR1Variant, CatalogModel> = {
  '1.5b': {
    name: 'DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M (unsloth)',
    url: 'https://huggingface.co/unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/resolve/53d3061d21f4ec2b94f42165101ee7341bad023e/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf',
    sha256: 'c2c43b6018cf7700ce0ddee8807deb1a9a26758ef878232f3a142d16df81f0fe',
    sizeBytes: 1_117_320_576,
    kvCacheBytesPerToken: 2 * 28 * 2 * 128 * 2, // qwen2: 28 layers, 2 KV heads of 128
  },
  '7b': {
    name: 'DeepSeek-R1-Distill-Qwen-7B Q4_K_M (lmstudio-community)',
    url: 'https://huggingface.co/lmstudio-community/DeepSeek-R1-Distill-Qwen-7B-GGUF/resolve/9244e85c6fda93c11e3dfe7a247801ddd8e2a8a8/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    sha256: '16bba29e220550acfe6e8981cfd76b607ae00d8568bef711ff6c0455ddb322b8',
    sizeBytes: 4_683_073_216,
    kvCacheBytesPerToken: 2 * 28 * 4 * 128 * 2, // qwen2: 28 layers, 4 KV heads of 128
  },
  '8b': {
    name: 'DeepSeek-R1-Distill-Llama-8B Q4_K_M (bartowski)',
    url: 'https://huggingface.co/bartowski/DeepSeek-R1-Distill-Llama-8B-GGUF/resolve/2a97a81d99a8a723fefea7566ca94fd439508e95/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf',
    sha256: '87bcba20b4846d8dadf753d3ff48f9285d131fc95e3e0e7e934d4f20bc896f5d',
    sizeBytes: 4_920_736_608,
    kvCacheBytesPerToken: 2 * 32 * 8 * 128 * 2, // llama: 32 layers, 8 KV heads of 128
  },
};

/**
 * Qwen3-Embedding-0.6B in Qwen's own Q8_0 GGUF (Qwen/Qwen3-Embedding-0.6B-GGUF, revision 370f27d…), 1024-dimension
 * vectors, last-token pooling, 151,669-token vocabulary. The same URL, SHA-256 and size are pinned independently by
 * several public projects (a Nix fetchurl, app model manifests, llama-server test scripts); the image build checks
 * the SHA-256 whatever this file says.
 */
export const QWEN3_EMBEDDING_0_6B: CatalogModel = {
  name: 'Qwen3-Embedding-0.6B Q8_0 (Qwen)',
  url: 'https://huggingface.co/Qwen/Qwen3-Embedding-0.6B-GGUF/resolve/370f27d7550e0def9b39c1f16d3fbaa13aa67728/Qwen3-Embedding-0.6B-Q8_0.gguf',
  sha256: '06507c7b42688469c4e7298b0a1e16deff06caf291cf0a5b278c308249c3e439',
  sizeBytes: 639_150_592,
  kvCacheBytesPerToken: 2 * 28 * 8 * 128 * 2, // qwen3: 28 layers, 8 KV heads of 128
  embedding: { pooling: EmbeddingPooling.LAST, vocabularySize: 151_669 },
};

/** Everything `-c model=...` selects. */
export const MODEL_CATALOG: Record<ModelVariant, CatalogModel> = { ...DEEPSEEK_R1_MODELS, 'qwen3-embedding-0.6b': QWEN3_EMBEDDING_0_6B };
