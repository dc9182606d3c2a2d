// The chat page: the conversation lives in this tab only; each answer streams from /v1/chat/completions.
import { ApiFailure, describeFailure } from './api-errors.js';
import { fetchModelId, streamChat } from './chat-stream.js';
import { renderText } from './render-text.js';

const KEY_STORAGE = 'llm-function-url.api-key';

const $ = (id) => document.getElementById(id);
const ui = {
  conversation: $('conversation'), welcome: $('welcome'), notice: $('notice'), stats: $('stats'),
  modelName: $('model-name'), statusDot: $('status-dot'), newChat: $('new-chat'),
  composer: $('composer'), prompt: $('prompt'), send: $('send'), stop: $('stop'),
  keyForm: $('key-form'), keyInput: $('key-input'),
};

/** The turns sent with every request: user messages and the answers (reasoning is not sent back). */
let history = [];
/** The running request's controller, while an answer streams. */
let running;
/** A message refused for want of a key, sent again once the key is given. */
let waitingForKey;
/** Bumped by "New chat", so an answer still finishing cannot write into the new conversation. */
let conversation = 0;

const apiKey = () => sessionStorage.getItem(KEY_STORAGE) ?? undefined;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showNotice(text) {
  ui.notice.textContent = text ?? '';
  ui.notice.hidden = text === undefined;
}

function setStatus(state, name) {
  ui.statusDot.dataset.state = state;
  if (name !== undefined) {
    ui.modelName.textContent = name;
    document.title = `${name} · Chat`;
  }
}

function scrollToEnd() {
  ui.conversation.scrollTop = ui.conversation.scrollHeight;
}

function askForKey(text) {
  showNotice(text);
  ui.keyForm.hidden = false;
  ui.keyInput.focus();
}

async function loadModel() {
  try {
    setStatus('ready', await fetchModelId(apiKey()));
    showNotice();
  } catch (error) {
    const { text, needsKey } = describeFailure(error);
    setStatus(needsKey ? 'locked' : 'waiting', needsKey ? 'API key needed' : 'Waiting for the model…');
    if (needsKey) askForKey(text);
    else showNotice(text);
    // Still loading (a cold start): look again shortly.
    if (error instanceof ApiFailure && error.status === 503) setTimeout(loadModel, 2000);
  }
}

/** One question and its answer in the page, filled in as the answer streams. */
function addTurn(question) {
  ui.welcome.hidden = true;
  const user = element('article', 'message user');
  user.append(element('div', 'bubble', question));
  const assistant = element('article', 'message assistant');
  const reasoning = element('details', 'reasoning');
  reasoning.hidden = true;
  reasoning.open = true;
  const summary = element('summary', undefined, 'Thinking…');
  const reasoningText = element('div', 'reasoning-text');
  reasoning.append(summary, reasoningText);
  const answer = element('div', 'answer');
  const status = element('p', 'status');
  status.hidden = true;
  assistant.append(reasoning, answer, status);
  assistant.dataset.state = 'streaming';
  ui.conversation.append(user, assistant);
  scrollToEnd();
  return { user, assistant, reasoning, summary, reasoningText, answer, status };
}

function setRunning(controller) {
  running = controller;
  ui.send.hidden = controller !== undefined;
  ui.stop.hidden = controller === undefined;
}

function showStats(usage, firstTokenAt, endedAt) {
  const seconds = (endedAt - firstTokenAt) / 1000;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
  const parts = [
    `${usage.prompt_tokens} prompt tokens`,
    `${usage.completion_tokens} completion tokens${reasoningTokens ? ` (${reasoningTokens} reasoning)` : ''}`,
  ];
  // As the server's metric: the tokens after the first over the time after the first (prompt evaluation excluded).
  if (usage.completion_tokens > 1 && seconds > 0) parts.push(`${((usage.completion_tokens - 1) / seconds).toFixed(1)} tokens/s`);
  ui.stats.textContent = `Last answer: ${parts.join(' · ')}`;
}

async function send(question) {
  const turn = addTurn(question);
  const ofConversation = conversation;
  const messages = [...history, { role: 'user', content: question }];
  const controller = new AbortController();
  setRunning(controller);
  showNotice();
  let reasoning = '';
  let answer = '';
  let usage;
  let firstTokenAt;
  let answerStartedAt;
  const startedAt = performance.now();
  // Text arrives token by token, faster than a screen refreshes: the page is redrawn at most once a frame,
  // so a long answer never keeps the browser busy re-laying out text nobody has seen yet.
  let paintPending = false;
  const paint = () => {
    paintPending = false;
    const nearEnd = ui.conversation.scrollHeight - ui.conversation.scrollTop - ui.conversation.clientHeight < 80;
    if (reasoning !== '') {
      turn.reasoning.hidden = false;
      turn.reasoningText.textContent = reasoning;
    }
    if (answer !== '') renderText(turn.answer, answer);
    if (nearEnd) scrollToEnd();
  };
  const schedulePaint = () => {
    if (paintPending) return;
    paintPending = true;
    requestAnimationFrame(() => { if (paintPending) paint(); });
  };
  try {
    const finishReason = await streamChat({
      messages,
      apiKey: apiKey(),
      signal: controller.signal,
      on: {
        reasoning: (text) => {
          firstTokenAt ??= performance.now();
          reasoning += text;
          schedulePaint();
        },
        content: (text) => {
          firstTokenAt ??= performance.now();
          if (answerStartedAt === undefined) {
            answerStartedAt = performance.now();
            // The thinking is done: fold it away, one click brings it back.
            if (reasoning !== '') {
              turn.reasoning.open = false;
              turn.summary.textContent = `Reasoning · ${((answerStartedAt - startedAt) / 1000).toFixed(1)} s`;
            }
          }
          answer += text;
          schedulePaint();
        },
        usage: (value) => { usage = value; },
      },
    });
    paint();
    if (reasoning !== '' && answerStartedAt === undefined) turn.summary.textContent = 'Reasoning';
    turn.assistant.dataset.state = 'done';
    if (ofConversation !== conversation) return;
    history = [...messages, { role: 'assistant', content: answer }];
    if (usage !== undefined && firstTokenAt !== undefined) showStats(usage, firstTokenAt, performance.now());
    if (finishReason === 'length') {
      turn.status.textContent = 'Cut short: the answer reached its token or time limit.';
      turn.status.hidden = false;
    }
  } catch (error) {
    // Everything received is shown, and is exactly what stays in the conversation.
    paint();
    if (ofConversation !== conversation) return;
    if (controller.signal.aborted) {
      turn.assistant.dataset.state = 'stopped';
      turn.status.textContent = 'Stopped.';
      turn.status.hidden = false;
      if (reasoning !== '' && answerStartedAt === undefined) turn.summary.textContent = 'Reasoning (stopped)';
      // What was shown stays part of the conversation.
      history = answer !== '' ? [...messages, { role: 'assistant', content: answer }] : messages;
      ui.stats.textContent = 'Last answer: stopped before the end (no usage reported).';
    } else {
      failed(turn, question, error, answer !== '' || reasoning !== '');
    }
  } finally {
    setRunning(undefined);
  }
}

/** A failed turn: say why, and give the question back (or send it again once a key is given). */
function failed(turn, question, error, producedSomething) {
  const { text, needsKey } = describeFailure(error);
  if (needsKey && !producedSomething) {
    turn.user.remove();
    turn.assistant.remove();
    waitingForKey = question;
    setStatus('locked', 'API key needed');
    askForKey(text);
    return;
  }
  turn.assistant.dataset.state = 'failed';
  turn.status.textContent = text;
  turn.status.classList.add('error');
  turn.status.hidden = false;
  if (!producedSomething && ui.prompt.value === '') ui.prompt.value = question;
}

function submitQuestion() {
  const question = ui.prompt.value.trim();
  if (question === '' || running !== undefined) return;
  ui.prompt.value = '';
  fitPrompt();
  void send(question);
}

function fitPrompt() {
  ui.prompt.style.height = 'auto';
  ui.prompt.style.height = `${Math.min(ui.prompt.scrollHeight, 200)}px`;
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  submitQuestion();
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitQuestion();
  }
});
ui.prompt.addEventListener('input', fitPrompt);
ui.stop.addEventListener('click', () => running?.abort());
ui.newChat.addEventListener('click', () => {
  conversation += 1;
  running?.abort();
  history = [];
  ui.conversation.replaceChildren(ui.welcome);
  ui.welcome.hidden = false;
  ui.stats.textContent = '';
  showNotice();
  ui.prompt.focus();
});
ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === '') return;
  sessionStorage.setItem(KEY_STORAGE, key);
  ui.keyInput.value = '';
  ui.keyForm.hidden = true;
  showNotice();
  const question = waitingForKey;
  waitingForKey = undefined;
  void loadModel();
  if (question !== undefined) void send(question);
});

void loadModel();
ui.prompt.focus();
