// Model output as text: paragraphs keep their line breaks, ``` fences become <pre><code>. Every string goes in
// through textContent, never as markup, so an answer holding HTML shows its characters and runs nothing.

const FENCE = /^\s*```\s*([\w+#.-]*)\s*$/;

/** Splits text into plain and fenced-code parts; an unclosed fence (mid-stream) is code up to the end. */
export function splitCodeBlocks(text) {
  const parts = [];
  let current = { kind: 'text', lines: [] };
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line);
    if (fence === null) {
      current.lines.push(line);
      continue;
    }
    parts.push(current);
    current = current.kind === 'text' ? { kind: 'code', language: fence[1], lines: [] } : { kind: 'text', lines: [] };
  }
  parts.push(current);
  return parts
    .map((part) => ({ ...part, text: part.kind === 'text' ? part.lines.join('\n').trim() : part.lines.join('\n') }))
    .filter((part) => part.kind === 'code' || part.text !== '');
}

/** Replaces the children of `container` with `text` rendered as paragraphs and code blocks. */
export function renderText(container, text) {
  const nodes = splitCodeBlocks(text).map((part) => {
    if (part.kind === 'text') {
      const paragraph = document.createElement('p');
      paragraph.className = 'text';
      paragraph.textContent = part.text;
      return paragraph;
    }
    const pre = document.createElement('pre');
    const code = document.createElement('code');
    if (part.language !== '') {
      pre.dataset.language = part.language;
      code.className = `language-${part.language}`;
    }
    code.textContent = part.text;
    pre.append(code);
    return pre;
  });
  container.replaceChildren(...nodes);
}
