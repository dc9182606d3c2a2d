/**
 * The scripted model: all transformer blocks are zero, so each position's hidden state is its own
 * token's embedding and greedy decoding follows a fixed "next token" map that the embedding and
 * output matrices encode. Token t's embedding is the one-hot vector of its class (one class per
 * token that has a scripted successor, class 0 for every other token); output row s is the sum of the
 * one-hot vectors of the classes whose successor is s, scaled so that after RMS norm the successor
 * scores LOGIT_GAP and every other token 0. Greedy decoding is exact and context-free, and the gap is
 * wide enough that OpenAI-range sampling (temperature <= 2, frequency/presence penalties <= 2 over
 * node-llama-cpp's 64-token penalty window) still always picks the successor.
 *
 * The chat chain: <｜Assistant｜> -> <think> -> reasoning words -> </think> -> answer words -> EOS
 * (endless: the last answer word leads back to the first). Every other token leads to the first answer
 * word, so a plain-text completion whose last token is outside the chain produces the answer.
 */
import { ChatMessage, deepSeekChatPromptIds } from './chat-prompt';
import { GgmlType } from './ggml-types';
import { qwen2Writer, Qwen2Shape } from './qwen2-gguf';
import { splitWords, uniqueTokenTexts } from './script';
import { EOS } from './special-tokens';
import { filled, fromValues, zeros } from './tensor-data';
import { buildVocabulary, Vocabulary } from './vocabulary';

export interface ScriptedModelOptions {
  /** Text of the thought segment, emitted right after <think> (no whitespace is added around it). */
  readonly reasoning: string;
  /** Text of the answer, emitted right after </think>. */
  readonly answer: string;
  /** The answer never ends: after its last word it starts again, so generation runs to max tokens. */
  readonly endless?: boolean;
  /**
   * The answer follows `<｜Assistant｜>` directly, with no thought segment (`reasoning` is then ignored): what a
   * grammar-constrained answer (structured output) needs, since a JSON grammar allows no `<think>`.
   */
  readonly withoutThinking?: boolean;
  /** `qwen2.context_length` in the metadata. @default 4096 */
  readonly contextLength?: number;
  /**
   * Token texts emitted after `</think>` instead of the answer, each exactly one token (a chat wrapper's
   * function-call syntax, cut where node-llama-cpp's grammars switch: call prefix, name with its newline,
   * parameters, parameter terminator), then EOS. The answer is then what follows any other token, such as
   * the end of a function result in the next request's prompt.
   */
  readonly toolCall?: readonly string[];
}

export interface CompletionPrediction {
  /** The text greedy decoding appends to the prompt. */
  readonly text: string;
  /** Tokens generated (EOS not counted). */
  readonly tokens: number;
  /** true when generation stopped at EOS, false when it hit maxTokens. */
  readonly stoppedAtEos: boolean;
}

export interface ScriptedModelInfo {
  readonly path: string;
  readonly reasoning: string;
  readonly answer: string;
  readonly endless: boolean;
  /** The reasoning's tokens, as texts: whitespace-led words, a repeated word split into unused parts. */
  readonly reasoningTokens: readonly string[];
  /** The answer's tokens, as texts. */
  readonly answerTokens: readonly string[];
  /** Every token a chat reply samples before EOS, as texts: "<think>", reasoning, "</think>", answer (or the tool call). */
  readonly chatTokens: readonly string[];
  /** chatTokens.length: reasoning + answer + 2 for the think tags (EOS not counted). */
  readonly chatCompletionTokens: number;
  readonly eosTokenText: string;
  /**
   * Number of prompt tokens node-llama-cpp's DeepSeekChatWrapper renders for these messages (BOS and
   * role markers included). node-llama-cpp's token meter reports one less as input: the last prompt
   * token is evaluated together with the first sampled one.
   */
  chatPromptTokens(messages: readonly ChatMessage[]): number;
  /** Token ids of plain text, as llama.cpp tokenizes it without special tokens (no BOS added). */
  tokenize(text: string): number[];
  /** What raw completion of `prompt` produces (prompt tokenized as node-llama-cpp does, BOS first). */
  expectedCompletion(prompt: string, maxTokens?: number): CompletionPrediction;
}

export interface ScriptedModelPlan extends Omit<ScriptedModelInfo, 'path'> {
  readonly write: (path: string) => ScriptedModelInfo;
}

const HEAD_DIM = 64;
/** Logit of the scripted successor; every other token gets 0. */
export const LOGIT_GAP = 200;

export function planScriptedModel(opts: ScriptedModelOptions): ScriptedModelPlan {
  const used = new Set<string>();
  const thinks = opts.withoutThinking !== true;
  const reasoningTokens = thinks ? uniqueTokenTexts(splitWords(opts.reasoning), used) : [];
  const answerTokens = uniqueTokenTexts(splitWords(opts.answer), used);
  const endless = opts.endless ?? false;
  if (endless && answerTokens.length === 0) throw new Error('an endless scripted model needs a non-empty answer');
  const toolCall = opts.toolCall ?? [];
  for (const text of toolCall) {
    if (used.has(text)) throw new Error(`the tool-call token ${JSON.stringify(text)} is also used by the reasoning or the answer`);
    used.add(text);
  }
  if (toolCall.length > 0 && endless) throw new Error('a scripted model cannot be both endless and calling a tool');
  const vocab = buildVocabulary({ words: [...reasoningTokens, ...answerTokens, ...toolCall] });
  const id = (text: string) => {
    const v = vocab.idOf(text);
    if (v === undefined) throw new Error(`internal: no token for ${JSON.stringify(text)}`);
    return v;
  };
  const answerChain = answerTokens.map(id);
  const thought = thinks ? [vocab.thinkId, ...reasoningTokens.map(id), vocab.thinkEndId] : [];
  const chain = [vocab.assistantId, ...thought, ...(toolCall.length > 0 ? toolCall.map(id) : answerChain)];
  // With a tool call, the answer is a chain of its own, reached from any token outside both.
  const allChained = toolCall.length > 0 ? [...chain, ...answerChain] : chain;
  const seen = new Map<number, number>();
  allChained.forEach((tok, i) => {
    const before = seen.get(tok);
    if (before !== undefined) {
      throw new Error(
        `internal: the token ${JSON.stringify(vocab.textOf(tok))} appears twice in the scripted chain ` +
          `(positions ${before} and ${i}), but a token can have only one successor`,
      );
    }
    seen.set(tok, i);
  });

  const successor = new Map<number, number>();
  for (let i = 0; i + 1 < chain.length; i++) successor.set(chain[i], chain[i + 1]);
  const lastAnswer = chain[chain.length - 1];
  const firstAnswer = answerTokens.length > 0 ? id(answerTokens[0]) : vocab.eosId;
  successor.set(lastAnswer, endless ? firstAnswer : vocab.eosId);
  if (toolCall.length > 0 && answerChain.length > 0) {
    for (let i = 0; i + 1 < answerChain.length; i++) successor.set(answerChain[i], answerChain[i + 1]);
    successor.set(answerChain[answerChain.length - 1], vocab.eosId);
  }
  const next = (tok: number) => successor.get(tok) ?? firstAnswer;

  const chatTokens = chain.slice(1).map((t) => vocab.textOf(t));
  const expectedCompletion = (prompt: string, maxTokens = Infinity): CompletionPrediction => {
    const promptIds = [vocab.bosId, ...vocab.encoder.encode(prompt)];
    let cur = promptIds[promptIds.length - 1];
    let text = '';
    let tokens = 0;
    while (tokens < maxTokens) {
      cur = next(cur);
      if (cur === vocab.eosId) return { text, tokens, stoppedAtEos: true };
      text += vocab.textOf(cur);
      tokens++;
    }
    return { text, tokens, stoppedAtEos: false };
  };

  const base = {
    reasoning: thinks ? opts.reasoning : '',
    answer: opts.answer,
    endless,
    reasoningTokens,
    answerTokens,
    chatTokens,
    chatCompletionTokens: chatTokens.length,
    eosTokenText: EOS,
    tokenize: (text: string) => vocab.encoder.encode(text),
    chatPromptTokens: (messages: readonly ChatMessage[]) => deepSeekChatPromptIds(vocab, messages).length,
    expectedCompletion,
  };
  return {
    ...base,
    write: (path: string) => {
      writeScriptedGguf(path, vocab, successor, firstAnswer, opts.contextLength ?? 4096);
      return { path, ...base };
    },
  };
}

export function writeScriptedModel(path: string, opts: ScriptedModelOptions): ScriptedModelInfo {
  return planScriptedModel(opts).write(path);
}

function writeScriptedGguf(
  path: string,
  vocab: Vocabulary,
  successor: ReadonlyMap<number, number>,
  defaultSuccessor: number,
  contextLength: number,
): void {
  const n = vocab.tokens.length;
  const classOf = new Map<number, number>();
  for (const tok of successor.keys()) classOf.set(tok, classOf.size + 1);
  const classes = classOf.size + 1;
  const dim = Math.max(HEAD_DIM, Math.ceil(classes / HEAD_DIM) * HEAD_DIM);
  const embedding = new Float32Array(dim * n);
  const output = new Float32Array(dim * n);
  for (let tok = 0; tok < n; tok++) embedding[tok * dim + (classOf.get(tok) ?? 0)] = 1;
  // a one-hot input comes out of RMS norm as sqrt(dim) in its class's slot
  const weight = LOGIT_GAP / Math.sqrt(dim);
  output[defaultSuccessor * dim + 0] = weight;
  for (const [tok, next] of successor) output[next * dim + (classOf.get(tok) as number)] = weight;

  const shape: Qwen2Shape = {
    contextLength,
    embeddingLength: dim,
    blockCount: 1,
    feedForwardLength: 64,
    headCount: dim / HEAD_DIM,
    headCountKv: dim / HEAD_DIM,
  };
  qwen2Writer({
    name: 'DeepSeek-R1-Distill-Qwen scripted test fixture',
    shape,
    vocab,
    fileType: 0,
    tensor: (req) => {
      switch (req.role) {
        case 'token_embd':
          return { type: GgmlType.F32, data: fromValues(GgmlType.F32, embedding) };
        case 'output':
          return { type: GgmlType.F32, data: fromValues(GgmlType.F32, output) };
        case 'norm':
          return { type: GgmlType.F32, data: filled(GgmlType.F32, req.dims[0], 1) };
        default:
          return { type: GgmlType.F32, data: zeros(GgmlType.F32, req.dims) };
      }
    },
  }).write(path);
}
