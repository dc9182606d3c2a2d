/**
 * Prefix reuse, measured: the server keeps one context sequence, and node-llama-cpp evaluates only the part
 * of a new prompt that the tokens already in it do not cover. Turn 2 of a chat (turn 1's history, its
 * answer, a new question) therefore starts answering sooner right after turn 1 than on a server whose
 * sequence does not hold that history: a fresh server, or one with LLM_ISOLATE_REQUESTS=true, which clears
 * the sequence after every generation (multi-tenant deployments, where reuse is a timing side channel).
 *
 * Two servers on the same model, rounds interleaved (each round runs turn 1 then turn 2 on each server, the
 * order rotating), every round a conversation of its own so nothing carries over between rounds. The
 * isolated server's turn 2 is what a fresh server pays; the ratio of the two turn-2 times to first token is
 * the figure, and the isolated server's extra time is the cost of turning reuse off.
 */
import { BenchOptions } from './bench-options';
import { postStreamed } from './http-client';
import { benchmarkPrompt } from './prompts';
import { ServerProcess } from './server-process';
import { rotate, Summary, summarize } from './stats';

export interface PrefixReuseOptions {
  readonly modelPath: string;
  readonly rounds: number;
  readonly threads: number;
  readonly contextSize: number;
  /** Benchmark prompts (about 136 tokens each) joined into turn 1's system message. */
  readonly historyPrompts: number;
  readonly tokens: number;
  readonly portBase: number;
  readonly log: (line: string) => void;
}

/** The prefix-reuse settings of a benchmark run (the whole run and bench:prefix use the same). */
export function prefixReuseOptions(options: BenchOptions, modelPath: string, log: (line: string) => void): PrefixReuseOptions {
  return {
    modelPath,
    rounds: options.rounds,
    threads: options.threads,
    contextSize: options.contextSize,
    historyPrompts: 5,
    tokens: options.tokens,
    portBase: options.portBase + 20,
    log,
  };
}

export interface PrefixReuseArm {
  /** Turn 1: the whole history is new to either server. */
  readonly turn1TtftMs: Summary | undefined;
  readonly turn2TtftMs: Summary | undefined;
  /** Prompt tokens of turn 2, and how many of them the server evaluated (the log line's promptTokensEvaluated). */
  readonly turn2PromptTokens: Summary | undefined;
  readonly turn2PromptTokensEvaluated: Summary | undefined;
}

export interface PrefixReuse {
  readonly rounds: number;
  readonly threads: number;
  readonly historyPrompts: number;
  readonly tokens: number;
  readonly reuse: PrefixReuseArm;
  readonly isolated: PrefixReuseArm;
  /** Median of the per-round ratios isolated turn-2 TTFT / reuse turn-2 TTFT. */
  readonly turn2SlowdownWithoutReuse: Summary | undefined;
}

const ARMS = ['reuse', 'isolated'] as const;
type ArmName = (typeof ARMS)[number];

interface Sample {
  turn1TtftMs: number;
  turn2TtftMs: number;
  turn2PromptTokens: number;
  turn2PromptTokensEvaluated: number;
}

/** Words per canned answer: one token each in the generated model's vocabulary, like a short real answer. */
const ANSWER_WORDS = 32;

function cannedAnswer(round: number): string {
  return benchmarkPrompt(round + 500).split(' ').slice(0, ANSWER_WORDS).join(' ');
}

function conversation(round: number, historyPrompts: number) {
  const history = Array.from({ length: historyPrompts }, (_, i) => benchmarkPrompt(round * historyPrompts + i + 1)).join('\n');
  return {
    turn1: [{ role: 'system', content: history }, { role: 'user', content: 'please tell me a short story about the model' }],
    followUp: 'thanks please explain the first answer',
  };
}

async function runConversation(server: ServerProcess, round: number, options: PrefixReuseOptions): Promise<Sample> {
  const { turn1, followUp } = conversation(round, options.historyPrompts);
  const body = { temperature: 0, max_tokens: options.tokens, stream: true, stream_options: { include_usage: true } };
  const first = await postStreamed(server.port, '/v1/chat/completions', { ...body, messages: turn1 });
  // What the client sends back as turn 1's answer. Not the generated text: random weights emit token runs
  // that re-tokenize differently, which a trained model's answer does not. With DeepSeek-R1 the sequence
  // diverges right after turn 1's prompt either way (its template drops the earlier reasoning), so turn 2
  // evaluates the answer, the follow-up and the role markers: an answer of ANSWER_WORDS one-token words.
  const turn2 = [...turn1, { role: 'assistant', content: cannedAnswer(round) }, { role: 'user', content: followUp }];
  const second = await postStreamed(server.port, '/v1/chat/completions', { ...body, messages: turn2 });
  const secondLine = await server.metricsFor(second.requestId) as { PromptTokens?: number; promptTokensEvaluated?: number } | undefined;
  if (first.status !== 200 || second.status !== 200) throw new Error(`prefix reuse: HTTP ${first.status} / ${second.status}`);
  return {
    turn1TtftMs: first.ttftMs,
    turn2TtftMs: second.ttftMs,
    turn2PromptTokens: secondLine?.PromptTokens ?? NaN,
    turn2PromptTokensEvaluated: secondLine?.promptTokensEvaluated ?? NaN,
  };
}

function summarizeArm(samples: readonly Sample[]): PrefixReuseArm {
  return {
    turn1TtftMs: summarize(samples.map((s) => s.turn1TtftMs)),
    turn2TtftMs: summarize(samples.map((s) => s.turn2TtftMs)),
    turn2PromptTokens: summarize(samples.map((s) => s.turn2PromptTokens)),
    turn2PromptTokensEvaluated: summarize(samples.map((s) => s.turn2PromptTokensEvaluated)),
  };
}

export async function runPrefixReuse(options: PrefixReuseOptions): Promise<PrefixReuse> {
  const servers: Partial<Record<ArmName, ServerProcess>> = {};
  const samples: Record<ArmName, Sample[]> = { reuse: [], isolated: [] };
  try {
    for (const [index, arm] of ARMS.entries()) {
      servers[arm] = await ServerProcess.start({
        modelPath: options.modelPath,
        port: options.portBase + index,
        threads: options.threads,
        contextSize: options.contextSize,
        maxTokens: options.tokens,
        env: { LLM_ISOLATE_REQUESTS: String(arm === 'isolated') },
      });
      // An untimed conversation first: the first generation of a process is slower than the rest.
      await runConversation(servers[arm]!, 1000 + index, options);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const arm of rotate(ARMS, round)) {
        const sample = await runConversation(servers[arm]!, round, options);
        samples[arm].push(sample);
        options.log(`  round ${round + 1} ${arm}: turn 1 ${sample.turn1TtftMs.toFixed(0)} ms, turn 2 ${sample.turn2TtftMs.toFixed(0)} ms to first token ` +
          `(${sample.turn2PromptTokensEvaluated} of ${sample.turn2PromptTokens} prompt tokens evaluated)`);
      }
    }
  } finally {
    for (const server of Object.values(servers)) await server?.stop();
  }
  const ratios = samples.reuse.map((reuse, round) => samples.isolated[round].turn2TtftMs / reuse.turn2TtftMs);
  return {
    rounds: options.rounds,
    threads: options.threads,
    historyPrompts: options.historyPrompts,
    tokens: options.tokens,
    reuse: summarizeArm(samples.reuse),
    isolated: summarizeArm(samples.isolated),
    turn2SlowdownWithoutReuse: summarize(ratios),
  };
}
