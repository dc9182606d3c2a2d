/**
 * The DeepSeek-R1 distills this example deploys, each pinned to the Hugging Face commit that uploaded
 * the file, with the SHA-256 and size Hugging Face publishes for it (its "Git LFS details"). A
 * `resolve/<commit>/` URL always serves those exact bytes, and the image build checks the SHA-256 anyway.
 */
export type DeepSeekR1Variant = '1.5b' | '7b' | '8b';

export interface CatalogModel {
  readonly name: string;
  readonly url: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** 2 (K and V) x layers x KV heads x head length x 2 bytes (f16 cache). */
  readonly kvCacheBytesPerToken: number;
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
