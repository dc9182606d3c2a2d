/**
 * Generates (or finds in the cache) a fixture model from the shell and prints its info as JSON:
 *   npx ts-node -P tsconfig.dev.json test/gguf/cli.ts scripted '{"reasoning":"Hmm.","answer":" Hi!"}'
 *   npx ts-node -P tsconfig.dev.json test/gguf/cli.ts deepseek-r1-shaped
 * Options are ensureModel's (JSON), `dir` included.
 */
import { ensureModel } from './ensure-model';

function main(argv: string[]): void {
  const [kind, json = '{}'] = argv;
  const opts = JSON.parse(json);
  const started = Date.now();
  let info: object;
  switch (kind) {
    case 'tiny':
      info = ensureModel('tiny', opts);
      break;
    case 'scripted':
      info = ensureModel('scripted', opts);
      break;
    case 'deepseek-r1-shaped': {
      const shaped = ensureModel('deepseek-r1-shaped', opts);
      info = { path: shaped.path, totalBytes: shaped.layout.totalBytes, dataOffset: shaped.layout.dataOffset };
      break;
    }
    case 'qwen3-embedding-shaped': {
      const shaped = ensureModel('qwen3-embedding-shaped', opts);
      info = { path: shaped.path, totalBytes: shaped.layout.totalBytes, dataOffset: shaped.layout.dataOffset };
      break;
    }
    default:
      throw new Error('usage: cli.ts tiny|scripted|deepseek-r1-shaped|qwen3-embedding-shaped [\'<json options>\']');
  }
  process.stdout.write(`${JSON.stringify({ ...info, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
}

main(process.argv.slice(2));
