import type { ApiError } from '../http/api-error.js';
import { itemId } from './openai-format.js';
import {
  functionCallItem, incompleteReason, messageItem, outputText, reasoningItem, responseObject, responsesUsage,
  type ItemStatus, type OutputItem, type ResponseIdentity, type ResponseState,
} from './responses-format.js';
import type { ResponsesEcho } from './responses-request.js';

/** One event of a streamed response, before its sequence number is added. */
export type ResponsesEvent = { readonly type: string } & Record<string, unknown>;

/** One piece of a function call: its first piece has the call's id and name, later ones add to its arguments. */
export interface CallPiece {
  readonly callId?: string;
  readonly name?: string;
  readonly arguments: string;
}

/** How a generation ended, as the stream's last event reports it. */
export interface StreamEnd {
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly stoppedBy: string;
  readonly promptTokens: number;
  readonly promptTokensEvaluated: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
}

type OpenItem =
  | { readonly kind: 'reasoning'; readonly id: string; text: string }
  | { readonly kind: 'message'; readonly id: string; text: string }
  | { readonly kind: 'call'; readonly id: string; readonly callId: string; readonly name: string; text: string };

/**
 * The Responses API's semantic stream: `response.created` and `response.in_progress`, then each output item in
 * order — added, its content part added, its text deltas, then done (text, part, item) — and finally
 * `response.completed`, `response.incomplete`, or `error` followed by `response.failed`. Every event carries its
 * `sequence_number`. The model's reasoning is a `reasoning` item with a `reasoning_text` part, the answer a `message`
 * item with an `output_text` part, and each call a `function_call` item. Pure: events go to `emit`.
 */
export class ResponsesStreamWriter {
  private sequence = 0;
  private started = false;
  private current?: OpenItem;
  private readonly output: OutputItem[] = [];

  constructor(private readonly identity: ResponseIdentity, private readonly echo: ResponsesEcho,
    private readonly emit: (event: ResponsesEvent & { sequence_number: number }) => void) {}

  /** Whether anything was sent: before that, a failure can still be an ordinary HTTP error. */
  get isStarted(): boolean {
    return this.started;
  }

  reasoning(text: string): void {
    const item = this.itemOf('reasoning');
    item.text += text;
    this.send({ type: 'response.reasoning_text.delta', item_id: item.id, output_index: this.output.length, content_index: 0, delta: text });
  }

  content(text: string): void {
    const item = this.itemOf('message');
    item.text += text;
    this.send({ type: 'response.output_text.delta', item_id: item.id, output_index: this.output.length, content_index: 0, delta: text, logprobs: [] });
  }

  call(piece: CallPiece): void {
    if (piece.name !== undefined) {
      this.close('completed');
      this.open({ kind: 'call', id: itemId('fc'), callId: piece.callId!, name: piece.name, text: '' });
    }
    const item = this.current;
    if (item?.kind !== 'call' || piece.arguments === '') return;
    item.text += piece.arguments;
    this.send({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: this.output.length, delta: piece.arguments });
  }

  finish(end: StreamEnd): void {
    this.start();
    const incomplete = end.finishReason === 'length';
    this.close(incomplete ? 'incomplete' : 'completed');
    // An answer always has a message, even an empty one, unless the model only called functions.
    if (!this.output.some((item) => item.type !== 'reasoning')) {
      this.open({ kind: 'message', id: itemId('msg'), text: '' });
      this.close(incomplete ? 'incomplete' : 'completed');
    }
    const usage = responsesUsage(end.promptTokens, end.promptTokensEvaluated, end.completionTokens, end.reasoningTokens);
    const state: ResponseState = incomplete
      ? { status: 'incomplete', output: this.output, usage, incompleteReason: incompleteReason(end.stoppedBy) }
      : { status: 'completed', output: this.output, usage };
    this.send({ type: incomplete ? 'response.incomplete' : 'response.completed', response: this.response(state) });
  }

  /** The model failed after the stream began: OpenAI's `error` event, then the response as failed. */
  fail(error: ApiError): void {
    this.start();
    this.close('incomplete');
    this.send({ type: 'error', code: error.code, message: error.message, param: error.param });
    this.send({ type: 'response.failed', response: this.response({ status: 'failed', output: this.output, error: { code: error.code ?? 'server_error', message: error.message } }) });
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.send({ type: 'response.created', response: this.response({ status: 'in_progress', output: [] }) });
    this.send({ type: 'response.in_progress', response: this.response({ status: 'in_progress', output: [] }) });
  }

  /** The open item of this kind, opening one (and closing the one before) when the kind changes. */
  private itemOf<K extends 'reasoning' | 'message'>(kind: K): Extract<OpenItem, { kind: K }> {
    if (this.current?.kind !== kind) {
      this.close('completed');
      this.open({ kind, id: itemId(kind === 'reasoning' ? 'rs' : 'msg'), text: '' } as OpenItem);
    }
    return this.current as Extract<OpenItem, { kind: K }>;
  }

  private open(item: OpenItem): void {
    this.start();
    this.current = item;
    const index = this.output.length;
    if (item.kind === 'call') {
      this.send({ type: 'response.output_item.added', output_index: index, item: functionCallItem(item.id, item.callId, item.name, '', 'in_progress') });
      return;
    }
    const added = item.kind === 'reasoning' ? { ...reasoningItem(item.id, '', 'in_progress'), content: [] } : { ...messageItem(item.id, '', 'in_progress'), content: [] };
    this.send({ type: 'response.output_item.added', output_index: index, item: added });
    this.send({ type: 'response.content_part.added', item_id: item.id, output_index: index, content_index: 0, part: this.part(item.kind, '') });
  }

  private close(status: ItemStatus): void {
    const item = this.current;
    if (item === undefined) return;
    this.current = undefined;
    const index = this.output.length;
    let done: OutputItem;
    if (item.kind === 'call') {
      this.send({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, name: item.name, arguments: item.text });
      done = functionCallItem(item.id, item.callId, item.name, item.text, status);
    } else {
      const textDone = item.kind === 'reasoning' ? 'response.reasoning_text.done' : 'response.output_text.done';
      this.send({ type: textDone, item_id: item.id, output_index: index, content_index: 0, text: item.text, ...(item.kind === 'message' ? { logprobs: [] } : {}) });
      this.send({ type: 'response.content_part.done', item_id: item.id, output_index: index, content_index: 0, part: this.part(item.kind, item.text) });
      done = item.kind === 'reasoning' ? reasoningItem(item.id, item.text, status) : messageItem(item.id, item.text, status);
    }
    this.output.push(done);
    this.send({ type: 'response.output_item.done', output_index: index, item: done });
  }

  private part(kind: 'reasoning' | 'message', text: string) {
    return kind === 'reasoning' ? { type: 'reasoning_text', text } : outputText(text);
  }

  private response(state: ResponseState) {
    return responseObject(this.identity, this.echo, state);
  }

  private send(event: ResponsesEvent): void {
    this.emit({ ...event, sequence_number: this.sequence++ });
  }
}
