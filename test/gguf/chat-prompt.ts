/**
 * Predicts the prompt tokens node-llama-cpp 3.21.1's DeepSeekChatWrapper feeds the model for an
 * OpenAI-style message list: BOS, the system messages joined by "\n\n", then `<｜User｜>` + text per user
 * message, `<｜Assistant｜>` + text + EOS per earlier assistant message, and a final `<｜Assistant｜>`.
 * Each plain-text run is tokenized on its own, without special-token parsing.
 */
import { Vocabulary } from './vocabulary';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export function deepSeekChatPromptIds(vocab: Vocabulary, messages: readonly ChatMessage[]): number[] {
  const ids = [vocab.bosId];
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (system.length > 0) ids.push(...vocab.encoder.encode(system.join('\n\n')));
  for (const m of messages) {
    if (m.role === 'user') ids.push(vocab.userId, ...vocab.encoder.encode(m.content));
    else if (m.role === 'assistant') ids.push(vocab.assistantId, ...vocab.encoder.encode(m.content), vocab.eosId);
  }
  ids.push(vocab.assistantId);
  return ids;
}
