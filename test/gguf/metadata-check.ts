/**
 * Checks a GGUF's key/values before it is written: llama.cpp aborts the whole process (GGML_ASSERT)
 * on some missing keys instead of returning an error, so a bad fixture must fail here, in JS.
 */
import { GgufValue, GgufWriter } from './gguf-writer';

type ValueOf<T extends GgufValue['type']> = Extract<GgufValue, { type: T }>;

function need<T extends GgufValue['type']>(w: GgufWriter, key: string, type: T): ValueOf<T>['value'] {
  const v = w.get(key);
  if (v === undefined) throw new Error(`GGUF is missing required key ${key}`);
  if (v.type !== type) throw new Error(`GGUF key ${key} must be ${type}, is ${v.type}`);
  const typed: { value: unknown } = v;
  return typed.value as ValueOf<T>['value'];
}

/**
 * The key/value half of {@link validateLlamaCppMetadata}: every key llama.cpp's loader asserts on, without
 * looking at tensors, so a header-only fixture can be held to it too.
 */
export function validateLlamaCppKeys(w: GgufWriter): void {
  const arch = need(w, 'general.architecture', 'string');
  const u = (suffix: string) => {
    const n = need(w, `${arch}.${suffix}`, 'u32');
    if (n < 1) throw new Error(`${arch}.${suffix} must be positive`);
    return n;
  };
  u('context_length');
  const embd = u('embedding_length');
  u('block_count');
  u('feed_forward_length');
  const heads = u('attention.head_count');
  need(w, `${arch}.attention.layer_norm_rms_epsilon`, 'f32');
  if (embd % heads !== 0) throw new Error(`embedding_length ${embd} is not a multiple of head_count ${heads}`);
  if ((embd / heads) % 2 !== 0) throw new Error('head size must be even for RoPE');
  const kvHeads = w.get(`${arch}.attention.head_count_kv`);
  if (kvHeads?.type === 'u32' && heads % kvHeads.value !== 0) throw new Error('head_count must be a multiple of head_count_kv');

  const pooling = w.get(`${arch}.pooling_type`);
  if (pooling !== undefined && (pooling.type !== 'u32' || pooling.value > 4)) {
    throw new Error(`${arch}.pooling_type must be a u32 from 0 to 4 (llama_pooling_type)`);
  }

  const model = need(w, 'tokenizer.ggml.model', 'string');
  const tokens = need(w, 'tokenizer.ggml.tokens', 'string[]');
  if (tokens.length === 0) throw new Error('empty vocabulary');
  if (new Set(tokens).size !== tokens.length) throw new Error('token texts must be unique (llama.cpp asserts it)');
  if (model === 'gpt2') need(w, 'tokenizer.ggml.merges', 'string[]');
  const types = w.get('tokenizer.ggml.token_type');
  if (types !== undefined && (types.type !== 'i32[]' || types.value.length !== tokens.length)) {
    throw new Error('tokenizer.ggml.token_type must be an i32 array as long as the vocabulary');
  }
  for (const key of ['tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.padding_token_id']) {
    const v = w.get(key);
    if (v !== undefined && (v.type !== 'u32' || v.value >= tokens.length)) throw new Error(`${key} is not a token id`);
  }
}

/** Everything llama.cpp needs to load the model: the keys above, and an embedding table matching them. */
export function validateLlamaCppMetadata(w: GgufWriter): void {
  validateLlamaCppKeys(w);
  const arch = need(w, 'general.architecture', 'string');
  const embd = need(w, `${arch}.embedding_length`, 'u32');
  const tokens = need(w, 'tokenizer.ggml.tokens', 'string[]');
  const embdTensor = w.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embdTensor) throw new Error('missing token_embd.weight');
  if (embdTensor.dims[0] !== embd || embdTensor.dims[1] !== tokens.length) {
    throw new Error(`token_embd.weight is [${embdTensor.dims.join(', ')}], expected [${embd}, ${tokens.length}]`);
  }
}
