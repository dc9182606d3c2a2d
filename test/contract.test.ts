/**
 * The construct and the runtime share no code, only names: environment variables, Docker build args, the
 * model's place in the image, the EMF metrics and the default model. This suite checks each name on both
 * sides, against the built runtime (runtime/dist), its Dockerfile and a real request's log line.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanTempDirs, QWEN2_1_5B_METADATA, tempDir } from './construct/fixtures';
import { GgufMetadata, writeGgufHeaderOnly } from './gguf';
import { DEEPSEEK_R1_MODELS } from '../examples/deepseek-r1/model-catalog';
import { ENCODER_ONLY_ARCHITECTURES, modelKindFromHeader } from '../src/models/embedding-traits';
import { readGgufModelInfo } from '../src/models/gguf-header';
import { LlmModelKind } from '../src/models/llm-model-kind';
import {
  BuildArg, DEFAULT_METRICS_NAMESPACE, METRIC_DIMENSION_FUNCTION_NAME, MODEL_PATH_IN_IMAGE, RuntimeBounds, RuntimeEmbeddingMetric, RuntimeEnv,
  RuntimeMetric, SNAPSTART_BUILD_TARGET,
} from '../src/runtime-contract';
import { MAX_EMBEDDING_CONTEXTS, MAX_EMBEDDING_INPUTS, SPLIT_INPUT_BATCH_TOKENS } from '../src/sizing/embedding';
import { snapStartEnvironment } from '../src/snap-start';
import { RUNTIME_DIR, startServer } from './runtime/harness';
import { call } from './runtime/http-client';
import { embeddingModel, scriptedModel } from './runtime/models';

/** Imports an ESM module of the built runtime in a child node and returns the named exports as JSON. */
function runtimeExports(module: string, names: string[]): Record<string, unknown> {
  const url = new URL(`file://${path.join(RUNTIME_DIR, 'dist', module)}`).href;
  const script = `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, m[n]]))));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

/** Runs the built runtime's loadConfig on each environment in a child node: "ok", or the ConfigError's message. */
function runtimeConfigOutcomes(envs: Array<Record<string, string>>): string[] {
  const url = new URL(`file://${path.join(RUNTIME_DIR, 'dist', 'config.js')}`).href;
  const script = `const { loadConfig } = await import(${JSON.stringify(url)});
    console.log(JSON.stringify(${JSON.stringify(envs)}.map((env) => { try { loadConfig(env); return 'ok'; } catch (e) { return e.message; } })));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

/** The runtime's traits for header files, read by its own reader in a child node: kind and batches, or the error. */
function runtimeTraits(files: string[]): Array<{ kind?: string; wholeInputBatches?: boolean; error?: string }> {
  const url = new URL(`file://${path.join(RUNTIME_DIR, 'dist', 'model-source', 'model-traits.js')}`).href;
  const script = `const { readModelTraits } = await import(${JSON.stringify(url)});
    const out = [];
    for (const file of ${JSON.stringify(files)}) {
      try {
        const t = await readModelTraits(file);
        out.push({ kind: t.kind, wholeInputBatches: !t.causal || t.pooling === 'mean' || t.pooling === 'cls' });
      } catch (e) { out.push({ error: e.message }); }
    }
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

afterAll(cleanTempDirs);

const dockerfile = fs.readFileSync(path.join(RUNTIME_DIR, 'Dockerfile'), 'utf8');

describe('construct <-> runtime contract', () => {
  test('every variable the construct sets is one the runtime documents and parses', () => {
    const { ENV_VARS } = runtimeExports('config.js', ['ENV_VARS']) as { ENV_VARS: Array<{ name: string }> };
    const runtimeNames = new Set(ENV_VARS.map((v) => v.name));
    // AWS_LWA_INVOKE_MODE is the adapter's alone; the SnapStart paths are read by both.
    const constructNames = Object.values(RuntimeEnv).filter((name) => name !== RuntimeEnv.LWA_INVOKE_MODE);
    expect(constructNames.filter((name) => !runtimeNames.has(name))).toEqual([]);
  });

  // The construct's checks of queueSize, maxGenerationTime, deadlineMargin and maxRequestBodySize end at these
  // bounds (test/construct/misconfiguration.test.ts): here each bound must be exactly where the runtime's is.
  test.each(Object.entries(RuntimeBounds))('the runtime accepts %s exactly in the range the construct checks against', (_name, { variable, min, max }) => {
    const outcomes = runtimeConfigOutcomes([min, max, min - 1, max + 1].map((value) => ({ [variable]: String(value) })));
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    for (const refused of outcomes.slice(2)) expect(refused).toMatch(new RegExp(`^${variable}: expected a whole number from ${min} to ${max}`));
  });

  test('the Web Adapter variable the construct sets is one the Dockerfile sets too', () => {
    expect(dockerfile).toMatch(new RegExp(`\\b${RuntimeEnv.LWA_INVOKE_MODE}=response_stream\\b`));
  });

  test('every build arg the construct passes is declared by the Dockerfile', () => {
    const declared = new Set([...dockerfile.matchAll(/^ARG\s+([A-Z0-9_]+)/gm)].map((m) => m[1]));
    expect(Object.values(BuildArg).filter((arg) => !declared.has(arg))).toEqual([]);
  });

  test('the SnapStart build target is a Dockerfile stage that adds the label, and not the default (last) stage', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+(?:\s+AS\s+(\S+))?/gm)];
    const target = stages.findIndex((m) => m[1] === SNAPSTART_BUILD_TARGET);
    expect(target).toBeGreaterThanOrEqual(0);
    expect(target).toBeLessThan(stages.length - 1);
    const body = dockerfile.slice(stages[target].index, stages[target + 1].index);
    expect(body).toContain('LABEL com.amazonaws.lambda.feature.snapstart="Allow"');
    expect(dockerfile.slice(stages[stages.length - 1].index)).not.toContain('LABEL');
  });

  test('the SnapStart hook paths the construct sets are routes the runtime serves', async () => {
    const model = await scriptedModel();
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path, ...snapStartEnvironment() } });
    try {
      for (const name of [RuntimeEnv.SNAPSTART_BEFORE_CHECKPOINT_PATH, RuntimeEnv.SNAPSTART_AFTER_RESTORE_PATH]) {
        expect((await call(server.url, snapStartEnvironment()[name], { method: 'POST' })).status).toBe(200);
      }
    } finally {
      await server.stop();
    }
  });

  test('the model path the construct points LLM_MODEL_PATH at is where the Dockerfile puts the model', () => {
    expect(dockerfile).toContain(`${RuntimeEnv.MODEL_PATH}=${MODEL_PATH_IN_IMAGE}`);
  });

  test('the runtime default model is the example catalog\'s 1.5B entry', () => {
    const defaults = runtimeExports('model-source/default-model.js', ['DEFAULT_MODEL_URL', 'DEFAULT_MODEL_SHA256', 'DEFAULT_MODEL_SIZE_BYTES']);
    const catalog = DEEPSEEK_R1_MODELS['1.5b'];
    expect(defaults).toEqual({ DEFAULT_MODEL_URL: catalog.url, DEFAULT_MODEL_SHA256: catalog.sha256, DEFAULT_MODEL_SIZE_BYTES: catalog.sizeBytes });
  });

  test('the construct sizes embedding contexts as the runtime makes them: how many, their batches, the input limit', () => {
    expect(runtimeExports('engine/embedding-engine.js', ['MAX_EMBEDDING_CONTEXTS', 'SPLIT_INPUT_BATCH_TOKENS']))
      .toEqual({ MAX_EMBEDDING_CONTEXTS, SPLIT_INPUT_BATCH_TOKENS });
    expect(runtimeExports('api/embeddings-request.js', ['MAX_EMBEDDING_INPUTS'])).toEqual({ MAX_EMBEDDING_INPUTS });
    expect(runtimeExports('model-source/model-traits.js', ['ENCODER_ONLY_ARCHITECTURES'])).toEqual({ ENCODER_ONLY_ARCHITECTURES });
  });

  test('the construct and the runtime read the same kind from the same GGUF headers (the rule is written on both sides)', () => {
    const variants: Array<[string, GgufMetadata]> = [
      ['no pooling', QWEN2_1_5B_METADATA],
      ...[0, 1, 2, 3, 4].map((pooling): [string, GgufMetadata] => [`pooling ${pooling}`, { ...QWEN2_1_5B_METADATA, 'qwen2.pooling_type': { type: 'u32', value: pooling } }]),
      ['not causal', { ...QWEN2_1_5B_METADATA, 'qwen2.attention.causal': { type: 'bool', value: false } }],
      ...ENCODER_ONLY_ARCHITECTURES.map((arch): [string, GgufMetadata] => [arch, Object.fromEntries(Object.entries(QWEN2_1_5B_METADATA)
        .map(([key, value]) => [key.replace(/^qwen2\./, `${arch}.`), key === 'general.architecture' ? { type: 'string', value: arch } : value]))]),
    ];
    const dir = tempDir();
    const files = variants.map(([name, metadata], index) => writeGgufHeaderOnly(path.join(dir, `${index}.gguf`), metadata, { skipMetadataCheck: name !== 'no pooling' }));
    const runtime = runtimeTraits(files);
    files.forEach((file, index) => {
      let construct: { kind?: string; wholeInputBatches?: boolean; error?: string };
      try {
        const info = readGgufModelInfo(file);
        construct = { kind: info.kind === LlmModelKind.EMBEDDING ? 'embedding' : 'generation', ...(info.embedding ? { wholeInputBatches: info.embedding.wholeInputBatches } : {}) };
      } catch (error) {
        construct = { error: (error as Error).message };
      }
      const name = variants[index][0];
      if (construct.error !== undefined) {
        expect([name, runtime[index].error]).toEqual([name, expect.stringMatching(/rank.*reranking|reranking.*rank/)]);
        expect(construct.error).toMatch(/reranking model/);
        return;
      }
      // The runtime names a generation model's batches too (it embeds with LLM_EMBEDDINGS); the construct only an embedding model's.
      const runtimeView = runtime[index].kind === 'embedding' ? runtime[index] : { kind: runtime[index].kind };
      expect([name, construct]).toEqual([name, runtimeView]);
    });
    expect(modelKindFromHeader('x', 'bert', undefined, undefined).kind).toBe(LlmModelKind.EMBEDDING);
  });

  test('an embedding request logs exactly the EMF metrics of RuntimeEmbeddingMetric', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: embeddingModel().path } });
    try {
      const response = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: ['hi', 'there'] }) });
      expect(response.status).toBe(200);
      const line = await server.waitForLog((l) => l.event === 'request' && l._aws !== undefined);
      const names = line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name).sort();
      expect(names).toEqual(Object.values(RuntimeEmbeddingMetric).sort());
      for (const name of names) expect(typeof line[name]).toBe('number');
    } finally {
      await server.stop();
    }
  });

  test('a real request logs exactly the EMF metrics the construct\'s metric helpers read', async () => {
    const model = await scriptedModel();
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path, AWS_LAMBDA_FUNCTION_NAME: 'contract-test' } });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: JSON.stringify({ prompt: 'hi' }) });
      expect(response.status).toBe(200);
      const line = await server.waitForLog((l) => l.event === 'request' && l._aws !== undefined);
      const directive = line._aws.CloudWatchMetrics[0];
      expect(directive.Namespace).toBe(DEFAULT_METRICS_NAMESPACE);
      expect(directive.Dimensions).toEqual([[METRIC_DIMENSION_FUNCTION_NAME]]);
      expect(line[METRIC_DIMENSION_FUNCTION_NAME]).toBe('contract-test');
      const names = directive.Metrics.map((m: { Name: string }) => m.Name).sort();
      expect(names).toEqual(Object.values(RuntimeMetric).sort());
      for (const name of names) expect(typeof line[name]).toBe('number');
    } finally {
      await server.stop();
    }
  });
});
