/**
 * How an embedding model turns its tokens' states into one vector (the model card says which; llama.cpp's
 * `{arch}.pooling_type`). It decides how long the runtime's batches are, and so the memory an embedding context
 * takes: a pooled vector over the whole input needs the whole input in one batch.
 */
export enum EmbeddingPooling {
  /** The last token's state (Qwen3-Embedding, gte-Qwen2, e5-mistral): batches of at most 512 tokens. */
  LAST = 'LAST',

  /** The mean over every token (most BERT-family models: bge-m3, nomic-embed, EmbeddingGemma): batches as long as the context. */
  MEAN = 'MEAN',

  /** The first token's state (bge-small/base/large v1.5): batches as long as the context. */
  CLS = 'CLS',
}
