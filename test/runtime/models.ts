/** The generated GGUF files the runtime tests serve (cached across test files by test/gguf). */
import { ensureModel } from '../gguf';

/** Greedy decoding answers every chat with exactly this reasoning and this answer. */
export const scriptedModel = () => ensureModel('scripted', {
  reasoning: 'Let me think about it carefully.',
  answer: 'The answer is forty two.',
});

/** Never stops by itself: every generation runs until something cuts it. */
export const endlessModel = () => ensureModel('scripted', {
  reasoning: 'Thinking.',
  answer: 'again and again',
  endless: true,
});

/** Random weights: loads fastest, generates noise; for tests that only need a working model. */
export const tinyModel = () => ensureModel('tiny');
