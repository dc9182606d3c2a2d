import { recommendedEphemeralStorageMb } from '../../src/sizing/ephemeral-storage';
import { effectiveContextSize, estimateKvCacheBytesPerToken, kvCacheBytesPerToken, kvCacheMb } from '../../src/sizing/kv-cache';
import { memoryForVcpus, recommendedMemoryMb, threadsForMemory, tunedMemoryMb, vcpuShare } from '../../src/sizing/memory';
import { conservativeTokensPerSecond, recommendedTimeoutSeconds } from '../../src/sizing/timeout';
import { tune } from '../../src/sizing/tune';

const MIB = 1024 * 1024;

// Q4_K_M files and their KV cache per token (2 x layers x KV heads x head length x 2 bytes).
const QWEN_1_5B = { bytes: 1.12e9, kv: 2 * 28 * 2 * 128 * 2 }; // DeepSeek-R1-Distill-Qwen-1.5B
const QWEN_7B = { bytes: 4.68e9, kv: 2 * 28 * 4 * 128 * 2 }; // DeepSeek-R1-Distill-Qwen-7B
const LLAMA_8B = { bytes: 4.92e9, kv: 2 * 32 * 8 * 128 * 2 }; // DeepSeek-R1-Distill-Llama-8B

describe('KV cache', () => {
  test('bytes per token follow layers x KV heads x (key + value) x f16', () => {
    expect(kvCacheBytesPerToken({ blockCount: 28, kvHeadCount: 2, keyLength: 128, valueLength: 128 })).toBe(28_672);
    expect(kvCacheBytesPerToken({ blockCount: 32, kvHeadCount: 8, keyLength: 128, valueLength: 128 })).toBe(131_072);
  });

  test('context sizes round up to 256 tokens as node-llama-cpp does', () => {
    expect(effectiveContextSize(64)).toBe(256);
    expect(effectiveContextSize(300)).toBe(512);
    expect(effectiveContextSize(4096)).toBe(4096);
    expect(kvCacheMb(28_672, 4096)).toBe(112);
  });

  test('the estimate for unknown shapes covers the real grouped-query models', () => {
    for (const model of [QWEN_1_5B, QWEN_7B, LLAMA_8B]) {
      expect(estimateKvCacheBytesPerToken(model.bytes)).toBeGreaterThanOrEqual(model.kv);
    }
    expect(estimateKvCacheBytesPerToken(1000)).toBe(16 * 1024);
  });
});

describe('memory and vCPUs', () => {
  test('Lambda gives one vCPU per 1,769 MB; threads are whole vCPUs of the share', () => {
    expect(memoryForVcpus(1)).toBe(1792);
    expect(memoryForVcpus(2)).toBe(3584);
    expect(memoryForVcpus(6)).toBe(10_240);
    expect(threadsForMemory(128)).toBe(1);
    expect(threadsForMemory(3584)).toBe(2);
    expect(threadsForMemory(3537)).toBe(1);
    expect(threadsForMemory(10_240)).toBe(5);
    expect(vcpuShare(1769)).toBe(1);
  });

  test('memory = file + KV + 512 MB + 10% of the file, rounded up to 64 MB', () => {
    // 1.12e9 B = 1068.1 MiB; + 112 + 512 + 106.8 = 1798.9 -> 1856
    expect(recommendedMemoryMb(QWEN_1_5B.bytes, 112)).toBe(1856);
  });

  test('the tuned memory is never below the requested vCPUs, nor above 10,240 MB', () => {
    expect(tunedMemoryMb(QWEN_1_5B.bytes, 112)).toBe(3584);
    expect(tunedMemoryMb(QWEN_1_5B.bytes, 112, 1)).toBe(1856);
    expect(tunedMemoryMb(QWEN_1_5B.bytes, 112, 4)).toBe(7104);
    expect(tunedMemoryMb(QWEN_1_5B.bytes, 112, 6)).toBe(10_240);
    expect(tunedMemoryMb(9e9, 512)).toBe(10_240);
  });
});

describe('timeout', () => {
  test('decoding is assumed slower for bigger models and faster with more threads', () => {
    expect(conservativeTokensPerSecond(1024 * MIB * 2, 2)).toBeCloseTo(4);
    expect(conservativeTokensPerSecond(1024 * MIB * 2, 4)).toBeCloseTo(8);
  });

  test('fits a cold start, a full prompt and maxTokens; capped at 15 minutes', () => {
    // 1.5B, 2 threads: load 10 + 1068/50 = 31.4 s; 7.67 tok/s -> 2048 tokens in 267 s; 2048 prompt tokens at 61 tok/s = 33 s
    const defaults = { contextSize: 4096, maxTokens: 2048 };
    expect(recommendedTimeoutSeconds({ modelBytes: QWEN_1_5B.bytes, threads: 2, downloadsAtStart: false, ...defaults })).toBe(340);
    expect(recommendedTimeoutSeconds({ modelBytes: QWEN_1_5B.bytes, threads: 2, downloadsAtStart: true, ...defaults })).toBe(360);
    expect(recommendedTimeoutSeconds({ modelBytes: LLAMA_8B.bytes, threads: 3, downloadsAtStart: false, ...defaults })).toBe(900);
    expect(recommendedTimeoutSeconds({ modelBytes: 1e6, threads: 1, contextSize: 256, maxTokens: 16, downloadsAtStart: false })).toBe(20);
  });
});

describe('ephemeral storage', () => {
  test('512 MB when the model is in the image; model + 512 MB when it is downloaded', () => {
    expect(recommendedEphemeralStorageMb(LLAMA_8B.bytes, false)).toBe(512);
    expect(recommendedEphemeralStorageMb(QWEN_1_5B.bytes, true)).toBe(1600);
    expect(recommendedEphemeralStorageMb(1e6, true)).toBe(576);
  });
});

describe('the tuner at the default context (4096 tokens, 2048 max tokens)', () => {
  const defaults = { contextSize: 4096, maxTokens: 2048 };

  test.each([
    // model, file bytes, KV bytes/token, memory MB, threads, timeout s, /tmp MB (image), /tmp MB (bucket)
    ['DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M', QWEN_1_5B.bytes, QWEN_1_5B.kv, 3584, 2, 340, 512, 1600],
    ['DeepSeek-R1-Distill-Qwen-7B Q4_K_M', QWEN_7B.bytes, QWEN_7B.kv, 5696, 3, 900, 512, 4992],
    ['DeepSeek-R1-Distill-Llama-8B Q4_K_M', LLAMA_8B.bytes, LLAMA_8B.kv, 6208, 3, 900, 512, 5248],
  ])('%s', (_name, bytes, kv, memoryMb, threads, timeoutSeconds, imageTmp, bucketTmp) => {
    const inImage = tune({ modelBytes: bytes, kvCacheBytesPerToken: kv, downloadsAtStart: false, ...defaults });
    expect(inImage).toMatchObject({ memoryMb, threads, timeoutSeconds, ephemeralStorageMb: imageTmp, warnings: [] });
    const fromBucket = tune({ modelBytes: bytes, kvCacheBytesPerToken: kv, downloadsAtStart: true, ...defaults });
    expect(fromBucket).toMatchObject({ memoryMb, threads, ephemeralStorageMb: bucketTmp });
  });

  test('with the estimated KV cache (shape unknown) the 7B and 8B get more memory, never less', () => {
    const memory = (bytes: number, kv: number) =>
      tune({ modelBytes: bytes, kvCacheBytesPerToken: kv, downloadsAtStart: false, ...defaults }).memoryMb;
    for (const model of [QWEN_1_5B, QWEN_7B, LLAMA_8B]) {
      expect(memory(model.bytes, estimateKvCacheBytesPerToken(model.bytes))).toBeGreaterThanOrEqual(memory(model.bytes, model.kv));
    }
    expect(memory(QWEN_1_5B.bytes, estimateKvCacheBytesPerToken(QWEN_1_5B.bytes))).toBe(3584);
    expect(memory(QWEN_7B.bytes, estimateKvCacheBytesPerToken(QWEN_7B.bytes))).toBe(6592);
    expect(memory(LLAMA_8B.bytes, estimateKvCacheBytesPerToken(LLAMA_8B.bytes))).toBe(6848);
  });

  test('explicit threads raise memory to that many vCPUs', () => {
    const sixThreads = tune({ modelBytes: QWEN_1_5B.bytes, kvCacheBytesPerToken: QWEN_1_5B.kv, downloadsAtStart: false, threads: 6, ...defaults });
    expect(sixThreads).toMatchObject({ memoryMb: 10_240, threads: 6 });
  });

  test('a model that only just fits gets the maximum memory and a warning', () => {
    const tight = tune({ modelBytes: 9e9, kvCacheBytesPerToken: 131_072, downloadsAtStart: true, ...defaults });
    expect(tight.memoryMb).toBe(10_240);
    expect(tight.warnings.join()).toMatch(/leaves little room/);
  });
});
