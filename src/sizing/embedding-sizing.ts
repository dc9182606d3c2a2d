import { EmbeddingSizing } from './tune';
import { LlmModelKind } from '../models/llm-model-kind';
import { LlmModelConfig } from '../models/model-config';

/** What the tuner sizes embedding contexts for: undefined when the function does not embed. */
export function embeddingSizing(model: LlmModelConfig, embeddingsProp: boolean): EmbeddingSizing | undefined {
  const embeddingOnly = model.kind === LlmModelKind.EMBEDDING;
  if (!embeddingOnly && !embeddingsProp) return undefined;
  return {
    embeddingOnly,
    // A generation model embeds with its last token: split batches, whatever else the header says.
    wholeInputBatches: embeddingOnly ? model.embeddingTraits?.wholeInputBatches : false,
    vocabularySize: model.vocabularySize,
    trainedContextLength: model.trainedContextLength,
  };
}
