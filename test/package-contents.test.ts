/**
 * What `npm install llm-function-url` gets: the compiled library and the container build context the
 * construct builds from (Dockerfile, compiled server, chat page, manifest, lockfile), never a model, the runtime's
 * sources or dependencies, tests or examples. Reads npm's own file list for the tarball.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(output)[0].files as Array<{ path: string }>).map((file) => file.path);
}

test('the npm tarball ships the library and the runtime build context, and nothing else of runtime/', () => {
  const files = packedFiles();
  for (const expected of ['lib/index.js', 'lib/index.d.ts', '.jsii', 'API.md', 'LICENSE', 'README.md',
    'runtime/Dockerfile', 'runtime/.dockerignore', 'runtime/package.json', 'runtime/package-lock.json', 'runtime/dist/server.js']) {
    expect(files).toContain(expected);
  }
  // The chat page, every file of it (the image copies runtime/ui/ and serves a fixed list of them).
  const uiFiles = fs.readdirSync(path.join(ROOT, 'runtime', 'ui')).map((name) => `runtime/ui/${name}`).sort();
  expect(uiFiles.length).toBeGreaterThan(3);
  expect(files.filter((file) => file.startsWith('runtime/ui/')).sort()).toEqual(uiFiles);
  const unwanted = files.filter((file) => /\.gguf$/i.test(file)
    || /^runtime\/(src|node_modules)\//.test(file)
    || /^(test|examples|docs|src|\.ci|\.bench-cache)\//.test(file));
  expect(unwanted).toEqual([]);
});
