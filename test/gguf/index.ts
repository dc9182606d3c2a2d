/** GGUF fixtures for the tests and the benchmark; see README.md in this folder. */
export { writeTinyRandomModel } from './tiny-model';
export type { TinyModelInfo, TinyModelOptions } from './tiny-model';
export { writeScriptedModel, planScriptedModel } from './scripted-model';
export type { ScriptedModelInfo, ScriptedModelOptions, CompletionPrediction } from './scripted-model';
export {
  writeDeepSeekR1ShapedModel,
  planDeepSeekR1ShapedModel,
  DEEPSEEK_R1_DISTILL_QWEN_1_5B_SHAPE,
  DEEPSEEK_R1_DISTILL_QWEN_1_5B_VOCAB_SIZE,
} from './shaped-model';
export type { ShapedModelInfo, ShapedModelOptions } from './shaped-model';
export {
  writeEmbeddingShapedModel,
  planEmbeddingShapedModel,
  QWEN3_EMBEDDING_0_6B_SHAPE,
  QWEN3_EMBEDDING_0_6B_VOCAB_SIZE,
} from './embedding-shaped-model';
export type { EmbeddingShapedModelInfo, EmbeddingShapedModelOptions } from './embedding-shaped-model';
export { PoolingType } from './qwen2-gguf';
export { ensureModel, DEFAULT_FIXTURE_DIR } from './ensure-model';
export type { ChatMessage } from './chat-prompt';
export { runNodeLlama } from './run-node-llama';
export type { NodeLlamaCheck, NodeLlamaJob, NodeLlamaResult, Sampling } from './run-node-llama';
export type { EnsureOptions } from './ensure-model';
export { GgufWriter, GGUF_ALIGNMENT } from './gguf-writer';
export type { GgufTensor, GgufValue, GgufLayout } from './gguf-writer';
export { writeGgufHeaderOnly, ggufHeaderOnlyBytes } from './header-only';
export type { GgufMetadata, HeaderOnlyOptions } from './header-only';
export { GgmlType } from './ggml-types';
export { DEEPSEEK_R1_DISTILL_CHAT_TEMPLATE } from './deepseek-template';
export { BOS, EOS, USER, ASSISTANT, THINK, THINK_END } from './special-tokens';
