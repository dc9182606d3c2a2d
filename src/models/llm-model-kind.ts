/**
 * What a model does, which decides what the function is sized for. `LlmModel.fromFile` reads it from the GGUF
 * header; the other sources are told with their `kind` option.
 */
export enum LlmModelKind {
  /**
   * Generates text: chat, completions, responses. Sized for the weights, the KV cache of `contextSize` and answers of
   * up to `maxTokens`.
   */
  GENERATION = 'GENERATION',

  /**
   * Turns texts into vectors (`POST /v1/embeddings`), such as Qwen3-Embedding, bge or nomic-embed GGUFs. Sized for
   * the weights and two embedding contexts (KV cache and batch buffers each), with no generation budget.
   */
  EMBEDDING = 'EMBEDDING',
}
