/**
 * Embedding models through the construct: the kind read from a GGUF header (or declared for remote sources), the
 * tuner sizing two embedding contexts instead of answers, and the function's settings in the synthesized template.
 */
import * as path from 'path';
import { Size } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack, QWEN2_1_5B_METADATA, tempDir, writeSmallModel } from './fixtures';
import { EmbeddingPooling, LlmFunctionUrl, LlmModel, LlmModelKind } from '../../src';
import { readGgufModelInfo } from '../../src/models/gguf-header';
import { ASSUMED_VOCABULARY_SIZE, EMBEDDING_TOKENS_PER_SECOND_PER_THREAD_GIB, embeddingContextMb } from '../../src/sizing/embedding';
import { tune } from '../../src/sizing/tune';
import { GgufMetadata, writeGgufHeaderOnly } from '../gguf';

afterAll(cleanTempDirs);

const QWEN3_EMBEDDING_BYTES = 639_150_592;
const QWEN3_EMBEDDING_VOCABULARY = 151_669;
/** 28 layers x 8 KV heads x (128 + 128) x 2 bytes. */
const QWEN3_EMBEDDING_KV = 114_688;

/** Qwen3-Embedding-0.6B's header keys (qwen3, 28 blocks, 1024 wide, 8 KV heads of 128, last-token pooling). */
function qwen3EmbeddingMetadata(extra: GgufMetadata = {}): GgufMetadata {
  return {
    'general.architecture': { type: 'string', value: 'qwen3' },
    'qwen3.context_length': { type: 'u32', value: 32768 },
    'qwen3.embedding_length': { type: 'u32', value: 1024 },
    'qwen3.block_count': { type: 'u32', value: 28 },
    'qwen3.feed_forward_length': { type: 'u32', value: 3072 },
    'qwen3.attention.head_count': { type: 'u32', value: 16 },
    'qwen3.attention.head_count_kv': { type: 'u32', value: 8 },
    'qwen3.attention.key_length': { type: 'u32', value: 128 },
    'qwen3.attention.value_length': { type: 'u32', value: 128 },
    'qwen3.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
    'qwen3.pooling_type': { type: 'u32', value: 3 },
    'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: Array.from({ length: QWEN3_EMBEDDING_VOCABULARY }, (_, i) => `t${i}`) },
    'tokenizer.ggml.merges': { type: 'string[]', value: ['t 0'] },
    ...extra,
  };
}

/** A BERT-family header (bge-small: 12 layers, 384 wide, 512 tokens, 30522-token vocabulary). */
function bertMetadata(pooling?: number): GgufMetadata {
  return {
    'general.architecture': { type: 'string', value: 'bert' },
    'bert.context_length': { type: 'u32', value: 512 },
    'bert.embedding_length': { type: 'u32', value: 384 },
    'bert.block_count': { type: 'u32', value: 12 },
    'bert.feed_forward_length': { type: 'u32', value: 1536 },
    'bert.attention.head_count': { type: 'u32', value: 12 },
    'bert.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-12 },
    ...(pooling !== undefined ? { 'bert.pooling_type': { type: 'u32', value: pooling } } : {}),
    'tokenizer.ggml.model': { type: 'string', value: 'bert' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: Array.from({ length: 30522 }, (_, i) => `w${i}`) },
  };
}

const write = (name: string, metadata: GgufMetadata) =>
  writeGgufHeaderOnly(path.join(tempDir(), name), metadata, { trailingBytes: Buffer.alloc(4096) });

describe('the kind from the GGUF header', () => {
  test('a decoder with a pooling type is an embedding model; last pooling splits long inputs', () => {
    expect(readGgufModelInfo(write('qwen3-embedding.gguf', qwen3EmbeddingMetadata()))).toMatchObject({
      architecture: 'qwen3', kind: LlmModelKind.EMBEDDING, embedding: { wholeInputBatches: false }, vocabularySize: QWEN3_EMBEDDING_VOCABULARY,
    });
    const mean = qwen3EmbeddingMetadata({ 'qwen3.pooling_type': { type: 'u32', value: 1 } });
    expect(readGgufModelInfo(write('mean.gguf', mean))).toMatchObject({ kind: LlmModelKind.EMBEDDING, embedding: { wholeInputBatches: true } });
  });

  test('an encoder-only architecture is an embedding model with or without a pooling type, and needs whole-input batches', () => {
    for (const pooling of [undefined, 0, 2]) {
      expect(readGgufModelInfo(write(`bert-${pooling}.gguf`, bertMetadata(pooling)))).toMatchObject({
        kind: LlmModelKind.EMBEDDING, embedding: { wholeInputBatches: true }, vocabularySize: 30522,
      });
    }
  });

  test('no pooling type, or pooling type 0 on a decoder: a generation model', () => {
    expect(readGgufModelInfo(write('qwen2.gguf', QWEN2_1_5B_METADATA)).kind).toBe(LlmModelKind.GENERATION);
    expect(readGgufModelInfo(write('none.gguf', qwen3EmbeddingMetadata({ 'qwen3.pooling_type': { type: 'u32', value: 0 } }))).kind)
      .toBe(LlmModelKind.GENERATION);
  });

  test('a reranker (pooling type 4) is refused, naming the file and why', () => {
    const file = write('reranker.gguf', qwen3EmbeddingMetadata({ 'qwen3.pooling_type': { type: 'u32', value: 4 } }));
    expect(() => LlmModel.fromFile(file)).toThrow(new RegExp(`LlmModel.fromFile: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a reranking model \\(qwen3.pooling_type 4, rank\\)`));
  });
});

describe('sizing an embedding model', () => {
  const defaults = { contextSize: 4096, maxTokens: 2048, downloadsAtStart: false };

  test('an embedding context: KV cache for the context plus a batch of output rows and activations', () => {
    // 4096 x 114688 B = 448 MiB; 512 x (151669 x 4 + 64 KiB) = 328.2 MiB
    const known = {
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV, contextSize: 4096, wholeInputBatches: false, vocabularySize: QWEN3_EMBEDDING_VOCABULARY,
    };
    expect(embeddingContextMb(known))
      .toBeCloseTo(448 + 328.2, 1);
    // Unknown: batches of the whole context, the largest vocabulary
    expect(embeddingContextMb({ kvCacheBytesPerToken: QWEN3_EMBEDDING_KV, contextSize: 1024 }))
      .toBeCloseTo(112 + (1024 * (ASSUMED_VOCABULARY_SIZE * 4 + 65536)) / 2 ** 20, 1);
  });

  test('weights plus two embedding contexts, no KV cache or answers for generation', () => {
    const embedding = tune({
      modelBytes: QWEN3_EMBEDDING_BYTES,
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
      ...defaults,
      embedding: { embeddingOnly: true, wholeInputBatches: false, vocabularySize: QWEN3_EMBEDDING_VOCABULARY },
    });
    // 609.5 MiB + 2 x 776.2 + 512 + 61 = 2735 -> 2752, raised to the 2-vCPU floor
    expect(embedding).toMatchObject({ memoryMb: 3584, threads: 2, kvCacheMb: 0, embeddingContexts: 2, recommendedMemoryMb: 2752, warnings: [] });
    expect(embedding.embeddingContextsMb).toBeCloseTo(2 * 776.2, 0);
  });

  test('one thread, one context: the runtime makes one context per thread, at most two', () => {
    const oneThread = tune({
      modelBytes: QWEN3_EMBEDDING_BYTES,
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
      ...defaults,
      threads: 1,
      embedding: { embeddingOnly: true, wholeInputBatches: false, vocabularySize: QWEN3_EMBEDDING_VOCABULARY },
    });
    expect(oneThread).toMatchObject({ threads: 1, embeddingContexts: 1, memoryMb: 1984 });
    const sixThreads = tune({
      modelBytes: QWEN3_EMBEDDING_BYTES,
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
      ...defaults,
      threads: 6,
      embedding: { embeddingOnly: true, wholeInputBatches: false, vocabularySize: QWEN3_EMBEDDING_VOCABULARY },
    });
    expect(sixThreads.embeddingContexts).toBe(2);
  });

  test('the embedding context is capped at the trained context (a 512-token BERT at contextSize 4096)', () => {
    const bert = (trainedContextLength?: number) => tune({
      modelBytes: 36e6,
      kvCacheBytesPerToken: 18_432,
      ...defaults,
      embedding: { embeddingOnly: true, wholeInputBatches: true, vocabularySize: 30522, trainedContextLength },
    }).embeddingContextsMb;
    expect(bert(512)).toBeLessThan(bert(undefined) / 7);
  });

  test('a memory that cannot hold the contexts is refused, naming what needs the memory', () => {
    expect(() => tune({
      modelBytes: QWEN3_EMBEDDING_BYTES,
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
      ...defaults,
      memorySizeMb: 1024,
      embedding: { embeddingOnly: true },
    })).toThrow(/memorySize: 1024 MB cannot hold the model: the 610 MB model file plus \d+ MB for 1 embedding context \(KV cache and batch buffers\) for contextSize 4096 need at least/);
  });

  test('the timeout covers a cold start and the largest request the body limit lets through, capped at 15 minutes', () => {
    const bert = (maxRequestBodyBytes: number, threads: number) => tune({
      modelBytes: 36e6,
      kvCacheBytesPerToken: 18_432,
      ...defaults,
      contextSize: 512,
      threads,
      maxRequestBodyBytes,
      embedding: { embeddingOnly: true, wholeInputBatches: true, vocabularySize: 30522 },
    }).timeoutSeconds;
    const expected = (bodyBytes: number, threads: number) => Math.ceil((10 + 36e6 / 2 ** 20 / 50
      + (bodyBytes / 2) / ((EMBEDDING_TOKENS_PER_SECOND_PER_THREAD_GIB * threads) / 0.25)) / 10) * 10;
    expect(bert(16_384, 1)).toBe(expected(16_384, 1));
    expect(bert(65_536, 1)).toBeGreaterThan(bert(16_384, 1));
    expect(bert(65_536, 2)).toBeLessThan(bert(65_536, 1));
    const large = tune({
      modelBytes: QWEN3_EMBEDDING_BYTES,
      kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
      ...defaults,
      embedding: { embeddingOnly: true, wholeInputBatches: false, vocabularySize: QWEN3_EMBEDDING_VOCABULARY },
    });
    expect(large.timeoutSeconds).toBe(900);
  });

  test('unknown embedding traits are sized for the worst case; when that cannot fit, the error says what to give', () => {
    const unknownTraits = {
      modelBytes: QWEN3_EMBEDDING_BYTES, kvCacheBytesPerToken: QWEN3_EMBEDDING_KV, ...defaults, embedding: { embeddingOnly: true },
    };
    expect(() => tune(unknownTraits))
      .toThrow(/more than Lambda's memory limit of 10240 MB; .*give the model source embeddingPooling and vocabularySize from the model card/);
  });

  test('a generation model with embeddings adds the contexts to its KV cache and keeps its own timeout floor', () => {
    const generation = { modelBytes: 1.12e9, kvCacheBytesPerToken: 28_672, ...defaults, maxRequestBodyBytes: 4096 };
    const alone = tune(generation);
    const withEmbeddings = tune({ ...generation, embedding: { embeddingOnly: false, wholeInputBatches: false, vocabularySize: 151_936 } });
    expect(withEmbeddings.kvCacheMb).toBe(alone.kvCacheMb);
    expect(withEmbeddings.recommendedMemoryMb).toBeGreaterThan(alone.recommendedMemoryMb);
    expect(withEmbeddings.timeoutSeconds).toBe(alone.timeoutSeconds);
  });
});

describe('LlmFunctionUrl with an embedding model', () => {
  test('fromFile reads the kind: the function is sized for embeddings and told nothing extra', () => {
    const stack = newStack();
    const file = write('Qwen3-Embedding-0.6B-Q8_0.gguf', qwen3EmbeddingMetadata());
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromFile(file) });
    expect(llm).toMatchObject({ memorySize: 3584, threads: 2, modelId: 'Qwen3-Embedding-0.6B-Q8_0' });
    // The default body limit lets through 2,048 inputs of 256 tokens: minutes of work.
    expect(llm.timeout.toSeconds()).toBeGreaterThan(60);
    const env = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const variables = Object.values(env)[0].Properties.Environment.Variables;
    expect(variables).toMatchObject({ LLM_EMBEDDINGS: 'false', LLM_THREADS: '2' });
  });

  test('fromUrl with kind, pooling and vocabulary sizes as exactly as fromFile; without them for the worst case', () => {
    const exact = new LlmFunctionUrl(newStack(), 'Llm', {
      model: LlmModel.fromUrl(EXAMPLE_URL, {
        sha256: EXAMPLE_SHA256,
        size: Size.bytes(QWEN3_EMBEDDING_BYTES),
        kvCacheBytesPerToken: QWEN3_EMBEDDING_KV,
        kind: LlmModelKind.EMBEDDING,
        embeddingPooling: EmbeddingPooling.LAST,
        vocabularySize: QWEN3_EMBEDDING_VOCABULARY,
      }),
    });
    expect(exact.memorySize).toBe(3584);
    const worstCase = new LlmFunctionUrl(newStack(), 'Llm', {
      contextSize: 2048,
      model: LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.bytes(QWEN3_EMBEDDING_BYTES), kind: LlmModelKind.EMBEDDING }),
    });
    expect(worstCase.memorySize).toBeGreaterThan(exact.memorySize);
  });

  test('the embedding options need kind EMBEDDING, and a vocabulary is a positive whole number', () => {
    const options = { sha256: EXAMPLE_SHA256, size: Size.bytes(QWEN3_EMBEDDING_BYTES) };
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { ...options, embeddingPooling: EmbeddingPooling.MEAN }))
      .toThrow('LlmModel.fromUrl: embeddingPooling applies to embedding models; set kind: LlmModelKind.EMBEDDING as well');
    expect(() => LlmModel.fromImage({ size: options.size, kind: LlmModelKind.EMBEDDING, vocabularySize: 0.5 }))
      .toThrow('LlmModel.fromImage: vocabularySize 0.5 is not a positive whole number of tokens');
  });

  test('embeddings: true lets a generation model embed: LLM_EMBEDDINGS=true and more memory for its contexts', () => {
    const file = writeSmallModel();
    // One thread and a long context, so that memory follows the KV caches rather than the vCPU floor.
    const props = { model: LlmModel.fromFile(file), threads: 1, contextSize: 32_768, maxTokens: 1024 };
    const plain = new LlmFunctionUrl(newStack(), 'Llm', props);
    const stack = newStack();
    const embedding = new LlmFunctionUrl(stack, 'Llm', { ...props, embeddings: true });
    expect(embedding.memorySize).toBeGreaterThan(plain.memorySize);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.Environment.Variables.LLM_EMBEDDINGS).toBe('true');
    Annotations.fromStack(stack).hasNoWarning('*', '*');
  });
});
