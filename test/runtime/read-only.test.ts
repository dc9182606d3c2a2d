/**
 * As in Lambda: the server's folder is read-only, HOME does not exist, and the user is not root.
 * The compiled server and a production-like node_modules (the CPU binary for this machine only, as the
 * image keeps) are copied to a temporary folder, made read-only, and served from there.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUNTIME_DIR, ServerHandle, freePort, startServer } from './harness';
import { post, stream } from './http-client';
import { scriptedModel } from './models';

// GPU builds, other architectures, the llama.cpp source bundle and build tools are not needed to serve
// on this CPU (the image leaves them out too).
const SKIPPED = new Set(['typescript', '@types', path.join('node-llama-cpp', 'llama', 'gitRelease.bundle')]);
const isSkipped = (relative: string) =>
  SKIPPED.has(relative) || (relative.startsWith('@node-llama-cpp' + path.sep) && relative !== path.join('@node-llama-cpp', 'linux-x64'));

/** cp -a per entry (much faster than fs.cpSync with a filter), leaving out what isSkipped says. */
function copyTree(from: string, to: string, root: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const relative = path.relative(root, path.join(from, entry.name));
    if (isSkipped(relative)) continue;
    const descend = entry.isDirectory() && [...SKIPPED].some((skip) => skip.startsWith(relative + path.sep)) || relative === '@node-llama-cpp';
    if (descend) copyTree(path.join(from, entry.name), path.join(to, entry.name), root);
    else execFileSync('cp', ['-a', path.join(from, entry.name), path.join(to, entry.name)]);
  }
}

function copyRuntime(into: string): void {
  execFileSync('cp', ['-a', path.join(RUNTIME_DIR, 'dist'), path.join(RUNTIME_DIR, 'package.json'), into]);
  const modules = path.join(RUNTIME_DIR, 'node_modules');
  copyTree(modules, path.join(into, 'node_modules'), modules);
}

function writableFor(target: string): boolean {
  try {
    execFileSync('test', ['-w', target], NON_ROOT);
    return true;
  } catch {
    return false;
  }
}

/** Every file and folder with its size and modification time. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      out.push(`${path.relative(root, full)} ${stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(root);
  return out.sort();
}

// Root runs it as uid/gid 1000; anyone else already is not root.
const NON_ROOT = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};

describe('read-only folder, no HOME, non-root user', () => {
  const model = scriptedModel();
  let folder: string;
  let server: ServerHandle;
  let before: string[];

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-read-only-'));
    // mkdtemp makes it private to its owner; the other user must be able to enter it.
    fs.chmodSync(folder, 0o755);
    copyRuntime(folder);
    execFileSync('chmod', ['-R', 'a-w', folder]);
    before = snapshot(folder);
    // The fixture folder must be readable to the other user (it is: files 0644 under /tmp).
    const port = await freePort();
    server = await startServer({
      args: [path.join(folder, 'dist', 'cli.js'), '--model', model.path, '--port', String(port)],
      cwd: folder,
      env: { PORT: String(port), HOME: '/nonexistent' },
      ...NON_ROOT,
    });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
    if (folder !== undefined) {
      execFileSync('chmod', ['-R', 'u+w', folder]);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('the folder really is read-only and the process really is not root', () => {
    // Asked as the user that runs the server (root could write anywhere).
    for (const item of ['.', 'dist', 'dist/server.js', 'node_modules', 'package.json']) {
      expect({ item, writable: writableFor(path.join(folder, item)) }).toEqual({ item, writable: false });
    }
    if (NON_ROOT.uid !== undefined) {
      const status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+1000\s/m);
    } else {
      expect(process.getuid?.()).not.toBe(0);
    }
  });

  test('it serves the exact scripted answer, streamed and buffered', async () => {
    const res = await post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe(model.answer);
    expect(res.json.choices[0].message.reasoning_content).toBe(model.reasoning);
    const streamed = await stream(server.url, '/', { prompt: 'hi', temperature: 0, stream: true });
    expect(streamed.done).toBe(true);
    expect(streamed.events.map((event) => event.response ?? '').join('')).toBe(model.answer);
  });

  test('with HOME unusable, the download cache falls back to the temporary folder', () => {
    const config = server.logs.find((line) => line.event === 'config');
    expect(config?.modelCacheDir).toBe(path.join(os.tmpdir(), 'llm-function-url', 'models'));
  });

  test('nothing was written into the server folder', () => {
    expect(snapshot(folder)).toEqual(before);
  });
});
