/**
 * The example's embedding variant (`-c model=qwen3-embedding-0.6b`): a pinned Qwen3-Embedding GGUF sized as an
 * embedding model and nag-clean, and the client snippet that indexes a folder of text files and searches it, run
 * against a local server on a generated embedding model.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { cleanOutdirs, newOutdir, synthExample } from './example-synth';
import { chunkText, indexFolder, search } from '../../examples/deepseek-r1/client/index-folder';
import { QWEN3_EMBEDDING_0_6B } from '../../examples/deepseek-r1/model-catalog';
import { startServer } from '../runtime/harness';
import { post } from '../runtime/http-client';
import { embeddingModel } from '../runtime/models';
import { maxDifference, norm } from '../runtime/vectors';

afterAll(cleanOutdirs);

const functionOf = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;

describe('-c model=qwen3-embedding-0.6b', () => {
  test('the pinned Qwen3-Embedding GGUF, verified by SHA-256, sized for two embedding contexts; nag-clean', () => {
    const { template, images } = synthExample({ model: 'qwen3-embedding-0.6b' });
    expect(images[0].source.dockerBuildArgs).toMatchObject({ MODEL_SOURCE: 'url', MODEL_URL: QWEN3_EMBEDDING_0_6B.url, MODEL_SHA256: QWEN3_EMBEDDING_0_6B.sha256 });
    const fn = functionOf(template);
    // 610 MB of weights + two contexts of 448 MiB KV cache and a 328 MiB batch buffer: under the 2-vCPU floor.
    expect(fn).toMatchObject({ MemorySize: 3584, Timeout: 900 });
    expect(fn.Environment.Variables).toMatchObject({ LLM_MODEL_ID: 'qwen3-embedding-0.6b', LLM_THREADS: '2', LLM_EMBEDDINGS: 'false' });
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'deepseek-r1', 'README.md'), 'utf8');
    expect(readme).toContain(`-c model=qwen3-embedding-0.6b # 0.6 GB embedding model: ${fn.MemorySize.toLocaleString('en-US')} MB`);
  });
});

describe('client/index-folder.ts', () => {
  test('chunks keep paragraphs whole up to the limit and cut longer ones', () => {
    expect(chunkText('one\n\ntwo\n\n\nthree', 9)).toEqual(['one\n\ntwo', 'three']);
    expect(chunkText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  test('indexes a folder (recursively, text files only) and finds a chunk by its own text', async () => {
    const folder = newOutdir();
    fs.mkdirSync(path.join(folder, 'notes'));
    fs.writeFileSync(path.join(folder, 'a.txt'), 'hello world\n\nthe answer is forty two');
    fs.writeFileSync(path.join(folder, 'notes', 'b.md'), 'once upon a time there was a model');
    fs.writeFileSync(path.join(folder, 'image.png'), Buffer.from([0x89, 0x50]));
    const server = await startServer({ env: { LLM_MODEL_PATH: embeddingModel().path } });
    try {
      const options = { fetch, chunkCharacters: 24, batchSize: 2 };
      const index = await indexFolder(server.url + '/', folder, options);
      expect(index.map((entry) => [entry.file, entry.chunk, entry.text])).toEqual([
        ['a.txt', 0, 'hello world'],
        ['a.txt', 1, 'the answer is forty two'],
        [path.join('notes', 'b.md'), 0, 'once upon a time there w'],
        [path.join('notes', 'b.md'), 1, 'as a model'],
      ]);
      // Batches of two, in order: each vector is the server's for that chunk, at unit length.
      const direct = await post(server.url, '/v1/embeddings', { input: index.map((entry) => entry.text) });
      index.forEach((entry, i) => {
        expect(Math.abs(norm(entry.vector) - 1)).toBeLessThan(1e-6);
        expect(maxDifference(entry.vector, direct.json.data[i].embedding)).toBeLessThan(1e-6);
      });
      const [best] = await search(server.url + '/', index, 'once upon a time there w', { ...options, queryPrefix: '' });
      expect(best).toMatchObject({ file: path.join('notes', 'b.md'), chunk: 0 });
      expect(best.score).toBeCloseTo(1, 5);
    } finally {
      await server.stop();
    }
  });
});
