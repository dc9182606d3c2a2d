/**
 * The model served when nothing else is configured: DeepSeek-R1-Distill-Qwen-1.5B, Q4_K_M, as quantized by
 * unsloth (https://huggingface.co/unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF).
 *
 * The URL names the commit that uploaded the file (53d3061d…), not `main`, so the bytes behind it cannot
 * change. The SHA-256 and size are the Git LFS object id and size Hugging Face publishes for that file (its
 * commit page). The download verifies the checksum, so a wrong value fails loudly instead of serving unknown
 * bytes. examples/deepseek-r1/model-catalog.ts pins the same file; a test keeps the two equal.
 */
export const DEFAULT_MODEL_REPOSITORY = 'unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF';
export const DEFAULT_MODEL_REVISION = '53d3061d21f4ec2b94f42165101ee7341bad023e';
export const DEFAULT_MODEL_FILE_NAME = 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';
export const DEFAULT_MODEL_URL =
  `https://huggingface.co/${DEFAULT_MODEL_REPOSITORY}/resolve/${DEFAULT_MODEL_REVISION}/${DEFAULT_MODEL_FILE_NAME}`;
export const DEFAULT_MODEL_SHA256 = 'c2c43b6018cf7700ce0ddee8807deb1a9a26758ef878232f3a142d16df81f0fe';
export const DEFAULT_MODEL_SIZE_BYTES = 1_117_320_576;
