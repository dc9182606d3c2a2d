/**
 * Index a folder of text files with the deployed embedding model (`-c model=qwen3-embedding-0.6b`), then search it:
 * each file is cut into chunks of paragraphs, the chunks are embedded through the official OpenAI SDK (requests
 * signed with your AWS credentials, the stack's default AWS_IAM auth), and the index is written as JSON.
 *
 *   npx ts-node client/index-folder.ts https://<id>.lambda-url.<region>.on.aws/ ./docs index.json
 *   npx ts-node client/index-folder.ts https://<id>.lambda-url.<region>.on.aws/ --search index.json "how do I deploy?"
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { createSignedFetch, regionOfFunctionUrl } from './signed-fetch';

/** One chunk of one file, with its unit-length vector. */
export interface IndexEntry {
  readonly file: string;
  readonly chunk: number;
  readonly text: string;
  readonly vector: number[];
}

export interface IndexOptions {
  /** The fetch that carries the requests. Default: one that signs them with SigV4 (AWS_IAM auth). */
  readonly fetch?: typeof fetch;
  /** A bearer key instead (authType NONE with the construct's key). */
  readonly apiKey?: string;
  /** Characters per chunk, at most; paragraphs are kept whole when they fit. @default 2000 */
  readonly chunkCharacters?: number;
  /** Chunks per request: well under the server's 2,048 inputs and 1 MiB body. @default 64 */
  readonly batchSize?: number;
}

/** Text files are the ones indexed. */
const TEXT_FILE = /\.(txt|md|markdown|rst|text)$/i;

/**
 * Qwen3-Embedding reads queries with an instruction in front of them, documents as they are (its model card); other
 * models want other prefixes, or none.
 */
export const QUERY_PREFIX = 'Instruct: Given a question, retrieve passages that answer it\nQuery: ';

function client(functionUrl: string, options: IndexOptions): OpenAI {
  const region = process.env.AWS_REGION ?? regionOfFunctionUrl(functionUrl);
  if (options.fetch === undefined && options.apiKey === undefined && !region) throw new Error(`Cannot tell the Region of ${functionUrl}: set AWS_REGION`);
  return new OpenAI({
    baseURL: new URL('v1', functionUrl).toString(),
    apiKey: options.apiKey ?? 'signed-with-aws-iam', // the SDK insists on a key; the signed fetch drops it
    fetch: options.fetch ?? (options.apiKey === undefined ? createSignedFetch({ region: region! }) : undefined),
    maxRetries: 2,
  });
}

/** Paragraphs joined up to `limit` characters; a longer paragraph is cut at the limit. */
export function chunkText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\s*\n/).map((part) => part.trim()).filter((part) => part !== '')) {
    for (let start = 0; start < paragraph.length; start += limit) {
      const piece = paragraph.slice(start, start + limit);
      if (current !== '' && current.length + 2 + piece.length > limit) {
        chunks.push(current);
        current = '';
      }
      current = current === '' ? piece : `${current}\n\n${piece}`;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** Embeds texts in batches, in order (the server answers `data[i]` for input i). */
async function embedAll(openai: OpenAI, texts: readonly string[], batchSize: number): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const response = await openai.embeddings.create({ model: 'default', input: texts.slice(start, start + batchSize) });
    for (const item of response.data) vectors[start + item.index] = Array.from(item.embedding);
  }
  return vectors;
}

/** Every text file under `folder` (recursively), chunked and embedded. */
export async function indexFolder(functionUrl: string, folder: string, options: IndexOptions = {}): Promise<IndexEntry[]> {
  const files = (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((name) => TEXT_FILE.test(name) && fs.statSync(path.join(folder, name)).isFile())
    .sort();
  const chunks = files.flatMap((file) => chunkText(fs.readFileSync(path.join(folder, file), 'utf8'), options.chunkCharacters ?? 2000)
    .map((text, chunk) => ({ file, chunk, text })));
  const vectors = await embedAll(client(functionUrl, options), chunks.map((entry) => entry.text), options.batchSize ?? 64);
  return chunks.map((entry, index) => ({ ...entry, vector: vectors[index] }));
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((sum, value, i) => sum + value * b[i], 0);

export interface SearchOptions extends IndexOptions {
  /** How many entries to return. @default 5 */
  readonly top?: number;
  /** Put in front of the query. @default QUERY_PREFIX */
  readonly queryPrefix?: string;
}

/** The entries closest to the query: the server's vectors are unit length, so the dot product is the cosine. */
export async function search(functionUrl: string, index: readonly IndexEntry[], query: string, options: SearchOptions = {}) {
  const [vector] = await embedAll(client(functionUrl, options), [`${options.queryPrefix ?? QUERY_PREFIX}${query}`], 1);
  return index
    .map(({ file, chunk, text, vector: entryVector }) => ({ file, chunk, text, score: dot(entryVector, vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, options.top ?? 5);
}

if (require.main === module) {
  const [functionUrl, second, third, ...words] = process.argv.slice(2);
  const usage = 'usage: npx ts-node client/index-folder.ts <function-url> <folder> <index.json>\n' +
    '       npx ts-node client/index-folder.ts <function-url> --search <index.json> <query>';
  const run = async (): Promise<void> => {
    if (!functionUrl || !second || !third) throw new Error(usage);
    if (second === '--search') {
      const index = JSON.parse(fs.readFileSync(third, 'utf8')) as IndexEntry[];
      for (const hit of await search(functionUrl, index, words.join(' '))) {
        console.log(`${hit.score.toFixed(3)}  ${hit.file}#${hit.chunk}  ${hit.text.slice(0, 80).replace(/\s+/g, ' ')}`);
      }
      return;
    }
    const index = await indexFolder(functionUrl, second);
    fs.writeFileSync(third, JSON.stringify(index));
    console.log(`${index.length} chunks of ${new Set(index.map((entry) => entry.file)).size} files -> ${third}`);
  };
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
