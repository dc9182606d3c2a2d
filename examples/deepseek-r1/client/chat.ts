/**
 * Ask the deployed model a question through the official OpenAI SDK, signing each request with your AWS
 * credentials (the stack's default AWS_IAM auth). Streams the reasoning (dimmed) and the answer.
 *
 *   npx ts-node client/chat.ts https://<id>.lambda-url.<region>.on.aws/ "Explain quantum computing"
 */
import OpenAI from 'openai';
import { createSignedFetch, regionOfFunctionUrl } from './signed-fetch';

export async function streamChat(functionUrl: string, prompt: string, out: NodeJS.WritableStream = process.stdout): Promise<string> {
  const region = process.env.AWS_REGION ?? regionOfFunctionUrl(functionUrl);
  if (!region) throw new Error(`Cannot tell the Region of ${functionUrl}: set AWS_REGION`);
  const client = new OpenAI({
    baseURL: new URL('v1', functionUrl).toString(),
    apiKey: 'signed-with-aws-iam', // the SDK insists on a key; the signed fetch drops it
    fetch: createSignedFetch({ region }),
  });
  const stream = await client.chat.completions.create({
    model: 'default',
    messages: [{ role: 'user', content: prompt }],
    stream: true,
  });
  const DIM = '\x1b[2m';
  const RESET = '\x1b[0m';
  let answer = '';
  let reasoning = false;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
    if (delta?.reasoning_content) {
      out.write(reasoning ? delta.reasoning_content : `${DIM}${delta.reasoning_content}`);
      reasoning = true;
    }
    if (delta?.content) {
      out.write(reasoning ? `${RESET}\n\n${delta.content}` : delta.content);
      reasoning = false;
      answer += delta.content;
    }
  }
  out.write(reasoning ? `${RESET}\n` : '\n');
  return answer;
}

if (require.main === module) {
  const [functionUrl, ...words] = process.argv.slice(2);
  if (!functionUrl) {
    console.error('usage: npx ts-node client/chat.ts <function-url> [prompt]');
    process.exit(2);
  }
  streamChat(functionUrl, words.join(' ') || 'Explain quantum computing').catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
