import * as fs from 'fs';
import * as path from 'path';
import { cleanTempDirs, tempDir, writeSmallModel } from './fixtures';
import { stageBuildContext } from '../../src/staging/build-context';

afterAll(cleanTempDirs);

function fakeRuntime(): string {
  const dir = tempDir('runtime-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  fs.mkdirSync(path.join(dir, 'dist', 'api'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist', 'server.js'), 'console.log(1);\n');
  fs.writeFileSync(path.join(dir, 'dist', 'api', 'routes.js'), 'export {};\n');
  fs.mkdirSync(path.join(dir, 'ui'));
  fs.writeFileSync(path.join(dir, 'ui', 'index.html'), '<!doctype html>\n');
  // Things a development checkout has that must never reach the image's build context:
  fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'index.js'), '');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'server.ts'), '');
  fs.writeFileSync(path.join(dir, 'stray.gguf'), 'GGUF');
  return dir;
}

function files(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

describe('stageBuildContext', () => {
  test('copies only the build files of the runtime, and hard-links the model as model.gguf', () => {
    const runtimeDir = fakeRuntime();
    const model = writeSmallModel();
    const contextDir = stageBuildContext({ runtimeDir, contextDir: path.join(tempDir(), 'ctx'), modelFile: model });
    expect(files(contextDir)).toEqual(['Dockerfile', 'dist/api/routes.js', 'dist/server.js', 'model.gguf', 'package-lock.json', 'package.json', 'ui/index.html']);
    expect(fs.statSync(path.join(contextDir, 'model.gguf')).ino).toBe(fs.statSync(model).ino);
    expect(fs.readFileSync(path.join(contextDir, 'model.gguf')).equals(fs.readFileSync(model))).toBe(true);
  });

  test('restaging the same inputs changes nothing; a new model or runtime replaces stale files', () => {
    const runtimeDir = fakeRuntime();
    const contextDir = path.join(tempDir(), 'ctx');
    stageBuildContext({ runtimeDir, contextDir, modelFile: writeSmallModel() });
    const before = fs.statSync(path.join(contextDir, 'dist', 'server.js')).mtimeMs;
    const other = writeSmallModel('other.gguf');
    fs.appendFileSync(other, 'different bytes');
    fs.rmSync(path.join(runtimeDir, 'dist', 'api'), { recursive: true });
    stageBuildContext({ runtimeDir, contextDir, modelFile: other });
    expect(fs.statSync(path.join(contextDir, 'dist', 'server.js')).mtimeMs).toBe(before);
    expect(fs.readFileSync(path.join(contextDir, 'model.gguf')).equals(fs.readFileSync(other))).toBe(true);
    expect(files(contextDir)).not.toContain('dist/api/routes.js');
    stageBuildContext({ runtimeDir, contextDir });
    expect(files(contextDir)).not.toContain('model.gguf');
  });

  test('a runtime without Dockerfile, dist/ or ui/ gets a clear error', () => {
    const noDist = fakeRuntime();
    fs.rmSync(path.join(noDist, 'dist'), { recursive: true });
    expect(() => stageBuildContext({ runtimeDir: noDist, contextDir: path.join(tempDir(), 'ctx') }))
      .toThrow(/has no dist\/ folder: build the runtime first/);
    const noUi = fakeRuntime();
    fs.rmSync(path.join(noUi, 'ui'), { recursive: true });
    expect(() => stageBuildContext({ runtimeDir: noUi, contextDir: path.join(tempDir(), 'ctx') }))
      .toThrow(/has no ui\/ folder: the llm-function-url package is incomplete/);
    const noDockerfile = fakeRuntime();
    fs.rmSync(path.join(noDockerfile, 'Dockerfile'));
    expect(() => stageBuildContext({ runtimeDir: noDockerfile, contextDir: path.join(tempDir(), 'ctx') }))
      .toThrow(/has no Dockerfile: the llm-function-url package is incomplete/);
  });
});
