/**
 * Lays out a qwen2-architecture GGUF (the architecture of DeepSeek-R1-Distill-Qwen): llama.cpp's
 * tensor names and shapes, the hyper-parameter keys it reads, and the DeepSeek tokenizer keys.
 * Shapes are fastest-first: a weight mapping n_in -> n_out is [n_in, n_out].
 */
import { DEEPSEEK_R1_DISTILL_CHAT_TEMPLATE } from './deepseek-template';
import { GgmlType } from './ggml-types';
import { GgufWriter } from './gguf-writer';
import { validateLlamaCppMetadata } from './metadata-check';
import { TensorData } from './tensor-data';
import { Vocabulary } from './vocabulary';

export interface Qwen2Shape {
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly headCountKv: number;
  /** @default 10000 */
  readonly ropeFreqBase?: number;
  /** @default 1e-6 */
  readonly rmsEpsilon?: number;
}

/** GGUF `{arch}.pooling_type` values (llama.cpp's llama_pooling_type). */
export enum PoolingType {
  NONE = 0,
  MEAN = 1,
  CLS = 2,
  LAST = 3,
  RANK = 4,
}

/** What a tensor is for, so a builder can decide its type and contents. */
export type Qwen2TensorRole =
  | 'token_embd'
  | 'output'
  | 'output_bias'
  | 'norm'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_bias'
  | 'attn_output'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down';

export interface Qwen2TensorRequest {
  readonly name: string;
  readonly dims: readonly number[];
  readonly role: Qwen2TensorRole;
  /** Block index, or -1 outside the blocks. */
  readonly layer: number;
}

export interface Qwen2Build {
  readonly name: string;
  readonly shape: Qwen2Shape;
  readonly vocab: Vocabulary;
  /** GGUF general.file_type (llama_ftype): 0 all F32, 1 mostly F16, 2 mostly Q4_0, 7 mostly Q8_0. */
  readonly fileType: number;
  /** Adds `output.bias` (a [n_vocab] F32 tensor llama.cpp adds to the logits when present). */
  readonly withOutputBias?: boolean;
  /** `tokenizer.chat_template`. @default DeepSeek-R1-Distill-Qwen's template */
  readonly chatTemplate?: string;
  /**
   * `qwen2.pooling_type` (llama.cpp's llama_pooling_type): set, it makes a decoder embedding model such as
   * Qwen3-Embedding (which sets 3, last token). @default - not written (a generation model)
   */
  readonly poolingType?: PoolingType;
  /** `tokenizer.ggml.add_eos_token`: the tokenizer ends every input with EOS (last-token pooling reads it). @default false */
  readonly addEosToken?: boolean;
  /** Leaves `output.weight` out: llama.cpp then reuses `token_embd.weight` (tied embeddings, as small embedding models ship). @default false */
  readonly tiedOutput?: boolean;
  readonly tensor: (req: Qwen2TensorRequest) => { type: GgmlType; data: TensorData };
}

/** The tensors llama.cpp's qwen2 loader asks for, in the order convert_hf_to_gguf writes them. */
export function qwen2Tensors(shape: Qwen2Shape, vocabSize: number, withOutputBias = false, tiedOutput = false): Qwen2TensorRequest[] {
  const e = shape.embeddingLength;
  const headDim = e / shape.headCount;
  const kv = headDim * shape.headCountKv;
  const ff = shape.feedForwardLength;
  const out: Qwen2TensorRequest[] = [{ name: 'token_embd.weight', dims: [e, vocabSize], role: 'token_embd', layer: -1 }];
  for (let i = 0; i < shape.blockCount; i++) {
    const b = `blk.${i}`;
    out.push(
      { name: `${b}.attn_norm.weight`, dims: [e], role: 'norm', layer: i },
      { name: `${b}.attn_q.weight`, dims: [e, e], role: 'attn_q', layer: i },
      { name: `${b}.attn_q.bias`, dims: [e], role: 'attn_bias', layer: i },
      { name: `${b}.attn_k.weight`, dims: [e, kv], role: 'attn_k', layer: i },
      { name: `${b}.attn_k.bias`, dims: [kv], role: 'attn_bias', layer: i },
      { name: `${b}.attn_v.weight`, dims: [e, kv], role: 'attn_v', layer: i },
      { name: `${b}.attn_v.bias`, dims: [kv], role: 'attn_bias', layer: i },
      { name: `${b}.attn_output.weight`, dims: [e, e], role: 'attn_output', layer: i },
      { name: `${b}.ffn_norm.weight`, dims: [e], role: 'norm', layer: i },
      { name: `${b}.ffn_gate.weight`, dims: [e, ff], role: 'ffn_gate', layer: i },
      { name: `${b}.ffn_up.weight`, dims: [e, ff], role: 'ffn_up', layer: i },
      { name: `${b}.ffn_down.weight`, dims: [ff, e], role: 'ffn_down', layer: i },
    );
  }
  out.push({ name: 'output_norm.weight', dims: [e], role: 'norm', layer: -1 });
  if (!tiedOutput) out.push({ name: 'output.weight', dims: [e, vocabSize], role: 'output', layer: -1 });
  if (withOutputBias) out.push({ name: 'output.bias', dims: [vocabSize], role: 'output_bias', layer: -1 });
  return out;
}

export function qwen2Writer(build: Qwen2Build): GgufWriter {
  const { shape, vocab } = build;
  const w = new GgufWriter();
  w.set('general.architecture', { type: 'string', value: 'qwen2' });
  w.set('general.name', { type: 'string', value: build.name });
  w.set('general.file_type', { type: 'u32', value: build.fileType });
  w.set('general.alignment', { type: 'u32', value: 32 });
  w.set('qwen2.context_length', { type: 'u32', value: shape.contextLength });
  w.set('qwen2.embedding_length', { type: 'u32', value: shape.embeddingLength });
  w.set('qwen2.block_count', { type: 'u32', value: shape.blockCount });
  w.set('qwen2.feed_forward_length', { type: 'u32', value: shape.feedForwardLength });
  w.set('qwen2.attention.head_count', { type: 'u32', value: shape.headCount });
  w.set('qwen2.attention.head_count_kv', { type: 'u32', value: shape.headCountKv });
  w.set('qwen2.rope.freq_base', { type: 'f32', value: shape.ropeFreqBase ?? 10000 });
  w.set('qwen2.attention.layer_norm_rms_epsilon', { type: 'f32', value: shape.rmsEpsilon ?? 1e-6 });
  if (build.poolingType !== undefined) w.set('qwen2.pooling_type', { type: 'u32', value: build.poolingType });
  w.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
  w.set('tokenizer.ggml.pre', { type: 'string', value: 'deepseek-r1-qwen' });
  w.set('tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens });
  w.set('tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types });
  w.set('tokenizer.ggml.merges', { type: 'string[]', value: vocab.merges });
  w.set('tokenizer.ggml.bos_token_id', { type: 'u32', value: vocab.bosId });
  w.set('tokenizer.ggml.eos_token_id', { type: 'u32', value: vocab.eosId });
  w.set('tokenizer.ggml.padding_token_id', { type: 'u32', value: vocab.eosId });
  w.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: true });
  w.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: build.addEosToken ?? false });
  w.set('tokenizer.chat_template', { type: 'string', value: build.chatTemplate ?? DEEPSEEK_R1_DISTILL_CHAT_TEMPLATE });
  for (const req of qwen2Tensors(shape, vocab.tokens.length, build.withOutputBias, build.tiedOutput)) {
    const { type, data } = build.tensor(req);
    if (req.dims.length === 1 && type !== GgmlType.F32) throw new Error(`${req.name}: 1-D tensors must be F32`);
    w.addTensor({ name: req.name, dims: req.dims, type, data });
  }
  validateLlamaCppMetadata(w);
  return w;
}
