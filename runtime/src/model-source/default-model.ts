/**
 * The model served when nothing else is configured: DeepSeek-R1-Distill-Qwen-1.5B, Q4_K_M, as quantized by
 * bartowski (https://huggingface.co/bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF).
 *
 * The URL names a fixed revision (commit 9cc28b17e86fa2415fcb070f8ee5ec27c965aa61), not `main`, so the bytes
 * behind it cannot change. The SHA-256 is the Git LFS object id of that file (1,117,320,800 bytes). The
 * Hugging Face page itself could not be reached from the machine this was written on; the revision, size and
 * checksum were cross-checked in several unrelated public projects that pin exactly this file, which all
 * agree. The download verifies it, so a wrong value fails loudly instead of serving unknown bytes.
 */
export const DEFAULT_MODEL_REPOSITORY = 'bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF';
export const DEFAULT_MODEL_REVISION = '9cc28b17e86fa2415fcb070f8ee5ec27c965aa61';
export const DEFAULT_MODEL_FILE_NAME = 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';
export const DEFAULT_MODEL_URL =
  `https://huggingface.co/${DEFAULT_MODEL_REPOSITORY}/resolve/${DEFAULT_MODEL_REVISION}/${DEFAULT_MODEL_FILE_NAME}`;
export const DEFAULT_MODEL_SHA256 = '1741e5b2d062b07acf048bf0d2c514dadf2a48f94e2b4aa0cfe069af3838ee2f';
export const DEFAULT_MODEL_SIZE_BYTES = 1_117_320_800;
