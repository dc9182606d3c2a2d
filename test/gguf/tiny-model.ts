/**
 * A tiny qwen2 model with random weights (2 blocks, 128 wide): loads in milliseconds and generates
 * random text. Its matrices use Q8_0, Q4_0 and F16 so llama.cpp exercises every quantizer here.
 * An output bias of -1000 on the special tokens keeps it from ever sampling EOS, a think tag or a
 * turn marker, so a generation always runs to its max tokens.
 */
import { GgmlType } from './ggml-types';
import { PoolingType, qwen2Writer } from './qwen2-gguf';
import { TokenType } from './special-tokens';
import { filled, fromValues, randomValues, zeros } from './tensor-data';
import { buildVocabulary } from './vocabulary';

export interface TinyModelOptions {
  /** @default 4096 */
  readonly contextLength?: number;
  /** @default 1 */
  readonly seed?: number;
  /** `tokenizer.chat_template`. @default DeepSeek-R1-Distill-Qwen's template */
  readonly chatTemplate?: string;
  /** Makes it an embedding model (`qwen2.pooling_type`), like Qwen3-Embedding (LAST). @default - a generation model */
  readonly poolingType?: PoolingType;
  /** `tokenizer.ggml.add_eos_token`. @default false */
  readonly addEosToken?: boolean;
}

export interface TinyModelInfo {
  readonly path: string;
  readonly vocabularySize: number;
}

export function writeTinyRandomModel(path: string, opts: TinyModelOptions = {}): TinyModelInfo {
  const vocab = buildVocabulary();
  const seed = opts.seed ?? 1;
  const bias = new Float32Array(vocab.tokens.length);
  vocab.types.forEach((t, id) => {
    if (t === TokenType.CONTROL || t === TokenType.USER_DEFINED) bias[id] = -1000;
  });
  let salt = 0;
  qwen2Writer({
    name: 'DeepSeek-R1-Distill-Qwen tiny random test fixture',
    shape: { contextLength: opts.contextLength ?? 4096, embeddingLength: 128, blockCount: 2, feedForwardLength: 256, headCount: 4, headCountKv: 2 },
    vocab,
    fileType: 7,
    withOutputBias: true,
    chatTemplate: opts.chatTemplate,
    poolingType: opts.poolingType,
    addEosToken: opts.addEosToken,
    tensor: (req) => {
      const count = req.dims.reduce((a, b) => a * b, 1);
      const s = seed * 1000 + ++salt;
      switch (req.role) {
        case 'token_embd':
          return { type: GgmlType.F16, data: randomValues(GgmlType.F16, count, s, 1) };
        case 'output':
          return { type: GgmlType.F32, data: randomValues(GgmlType.F32, count, s, 1) };
        case 'output_bias':
          return { type: GgmlType.F32, data: fromValues(GgmlType.F32, bias) };
        case 'norm':
          return { type: GgmlType.F32, data: filled(GgmlType.F32, count, 1) };
        case 'attn_bias':
          return { type: GgmlType.F32, data: zeros(GgmlType.F32, req.dims) };
        case 'ffn_gate':
        case 'ffn_up':
        case 'ffn_down':
          return { type: GgmlType.Q4_0, data: randomValues(GgmlType.Q4_0, count, s, 0.1) };
        default:
          return { type: GgmlType.Q8_0, data: randomValues(GgmlType.Q8_0, count, s, 0.1) };
      }
    },
  }).write(path);
  return { path, vocabularySize: vocab.tokens.length };
}
