/**
 * Builds the Lambda image from runtime/ with docker or podman and runs it the way Lambda does (read-only root
 * filesystem, writable /tmp, uid 1000), for each model source: a generated GGUF copied in (file), a GGUF
 * downloaded during the build with a good / wrong / missing checksum (url), and a GGUF fetched from a fake S3
 * at start (none). Measures build time, image layer sizes and start-to-ready time, removes what it created,
 * and ends with `N passed, M failed` (exit code 1 on any failure).
 *
 *   npx ts-node --project tsconfig.dev.json test/container/run-container-test.ts
 *
 * BASE_IMAGE and LWA_IMAGE, when set (../shared/tools/container-env.sh sets local stand-ins), are passed as
 * build args; otherwise the Dockerfile's public defaults are pulled. Every check runs for linux/amd64 and, when
 * BASE_IMAGE_ARM64 and LWA_IMAGE_ARM64 are set (arm64 twins run under QEMU emulation on an x86_64 machine), for
 * linux/arm64 too, the construct's default architecture: with timeouts scaled for emulation, and measurements
 * taken only from the native run.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { ensureModel } from '../gguf';
import { ContainerEngine, pickEngine, tail } from './engine';
import { expectEqual, expectTrue, Harness } from './harness';
import { postJson, postSse, waitForHealth } from './http';
import { startFakeS3, type FakeS3 } from '../model-source/fake-s3';
import { startFileServer, type FileServer } from '../model-source/file-server';

const ROOT = path.join(__dirname, '..', '..');
const RUNTIME = path.join(ROOT, 'runtime');
/** Staged inside the build context like the construct stages a model; *.gguf is git- and npm-ignored. */
const STAGED_MODEL = 'container-test-model.gguf';
const PORTS = { fileImage: 18220, modelServer: 18221, fakeS3: 18222, s3Image: 18223, urlImage: 18224, snapStartImage: 18225 } as const;
const SCRIPT = { reasoning: '\nThe user greets me.\n', answer: '\n\nHello from the container!' };
const S3_PADDING_BYTES = 256 * 1024 * 1024;
const READY_TIMEOUT_MS = 120_000;
/** The SnapStart hook paths, as the construct sets them (src/snap-start.ts). */
const HOOKS = { AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH: '/_snapstart/before-checkpoint', AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH: '/_snapstart/after-restore' };
const SNAPSTART_LABEL = 'com.amazonaws.lambda.feature.snapstart';

/** One architecture the image is built and run for. */
interface Platform {
  readonly name: 'linux/amd64' | 'linux/arm64';
  readonly buildArgs: Record<string, string>;
  /** Extra `build` flags (the target platform). */
  readonly buildFlags: string[];
  /** Measurements come only from a native run: emulated code runs 5-20 times slower. */
  readonly native: boolean;
  /** Multiplies every timeout. */
  readonly slowdown: number;
  /** Added to every port, so the runs never share one. */
  readonly portOffset: number;
}

/** linux/amd64 always (this machine's own architecture), linux/arm64 when its emulated base images exist. */
function platforms(): Platform[] {
  const hostArm = process.arch === 'arm64';
  const amd64Args: Record<string, string> = {};
  if (process.env.BASE_IMAGE) amd64Args.BASE_IMAGE = process.env.BASE_IMAGE;
  if (process.env.LWA_IMAGE) amd64Args.LWA_IMAGE = process.env.LWA_IMAGE;
  const list: Platform[] = [{ name: 'linux/amd64', buildArgs: amd64Args, buildFlags: ['--platform', 'linux/amd64'], native: !hostArm, slowdown: hostArm ? 10 : 1, portOffset: 0 }];
  const armBase = process.env.BASE_IMAGE_ARM64;
  const armAdapter = process.env.LWA_IMAGE_ARM64;
  if (armBase && armAdapter) {
    list.push({ name: 'linux/arm64', buildArgs: { BASE_IMAGE: armBase, LWA_IMAGE: armAdapter }, buildFlags: ['--platform', 'linux/arm64'], native: hostArm, slowdown: hostArm ? 1 : 10, portOffset: 20 });
  } else {
    console.log('container test: BASE_IMAGE_ARM64 / LWA_IMAGE_ARM64 not set: linux/arm64 is not checked (container-env.sh sets them where QEMU emulation works)');
  }
  return list;
}

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function duBytes(target: string): number {
  return Number(execFileSync('du', ['-sb', target], { encoding: 'utf8' }).split('\t')[0]);
}

/** The server logs one JSON object per line; anything else (engine noise) is skipped. */
function parseLogLines(log: string): Array<Record<string, unknown>> {
  return log.split('\n').flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function main(): Promise<number> {
  const harness = new Harness();
  const engine = new ContainerEngine(pickEngine());
  console.log('compiling the runtime (npm --prefix runtime run build)');
  execFileSync('npm', ['--prefix', RUNTIME, 'run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const platform of platforms()) {
    console.log(`\n${platform.name}${platform.native ? '' : ' (emulated: timeouts x' + platform.slowdown + ', no measurements)'}`);
    await checkPlatform(harness, engine, platform);
  }
  console.log(`\n${harness.summary()}`);
  return harness.failures === 0 ? 0 : 1;
}

async function checkPlatform(outer: Harness, engine: ContainerEngine, platform: Platform): Promise<void> {
  // Every check is named after its platform.
  const harness = {
    check: (name: string, body: () => Promise<void> | void) => outer.check(`[${platform.name}] ${name}`, body),
    fail: (name: string, error: unknown) => outer.fail(`[${platform.name}] ${name}`, error),
    get failures() {
      return outer.failures;
    },
  };
  const arch = platform.name.split('/')[1];
  const runId = `${process.pid}-${arch}`;
  const tags = {
    file: `localhost/llm-function-url-test:file-${runId}`,
    snapStart: `localhost/llm-function-url-test:snapstart-${runId}`,
    url: `localhost/llm-function-url-test:url-${runId}`,
    urlOther: `localhost/llm-function-url-test:url-other-${runId}`,
    none: `localhost/llm-function-url-test:none-${runId}`,
  };
  const baseArgs = platform.buildArgs;
  const port = (name: keyof typeof PORTS) => PORTS[name] + platform.portOffset;
  const readyTimeoutMs = READY_TIMEOUT_MS * platform.slowdown;
  const failuresBefore = outer.failures;

  const containers: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  const work = mkdtempSync(path.join(tmpdir(), 'llm-container-test-'));
  const buildLog = path.join(work, 'build.log');
  const measured: Array<[string, string]> = [];
  // Emulated runs prove the image works; their timings say nothing about the architecture.
  const metrics = { push: (entry: [string, string]) => { if (platform.native) measured.push(entry); } };
  const stagedModel = path.join(RUNTIME, STAGED_MODEL);

  const startContainer = async (image: string, hostPort: number, env: Record<string, string> = {}) => {
    const id = await engine.start(image, { PORT: String(hostPort), LLM_THREADS: '1', ...env });
    containers.push(id);
    const startedAt = Date.now();
    const isAlive = async () => (await engine.inspect(id, 'container')).State?.Running === true;
    const readyMs = await waitForHealth(`http://127.0.0.1:${hostPort}`, readyTimeoutMs, isAlive).catch(async (error: Error) => {
      throw new Error(`${error.message}\ncontainer log:\n${tail(await engine.logs(id))}`);
    });
    const readyLine = parseLogLines(await engine.logs(id)).find((event) => event.event === 'ready');
    return { id, readyMs, sinceRunMs: Date.now() - startedAt, serverStartupMs: Number(readyLine?.startupMs ?? NaN) };
  };
  const build = async (tag: string, args: Record<string, string>, extra: string[] = []) => {
    const result = await engine.build(RUNTIME, tag, { ...baseArgs, ...args }, [...platform.buildFlags, ...extra]);
    appendFileSync(buildLog, `\n==== ${tag} ${JSON.stringify(args)} (exit ${result.code})\n${result.stdout}\n${result.stderr}\n`);
    return result;
  };

  const danglingBefore = await engine.danglingImages();
  console.log(`container test: engine ${engine.command}, base ${baseArgs.BASE_IMAGE ?? '(Dockerfile default)'}, adapter ${baseArgs.LWA_IMAGE ?? '(Dockerfile default)'}`);
  try {
    const scripted = ensureModel('scripted', SCRIPT);
    copyFileSync(scripted.path, stagedModel);

    // ---- MODEL_SOURCE=file: the generated model copied into the image -----------------------------------------
    let fileImageBuilt = false;
    await harness.check('MODEL_SOURCE=file builds from runtime/ (no cache)', async () => {
      const result = await build(tags.file, { MODEL_SOURCE: 'file', MODEL_FILE: STAGED_MODEL }, ['--no-cache']);
      expectTrue(result.code === 0, `build failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
      fileImageBuilt = true;
      metrics.push(['image build, no cache (npm ci included)', `${result.seconds.toFixed(0)} s`]);
    });

    if (fileImageBuilt) {
      await harness.check('image config: uid 1000, HOME=/tmp, Lambda Web Adapter settings, model path, CMD', async () => {
        const config = (await engine.inspect(tags.file, 'image')).Config as { User: string; Env: string[]; Cmd: string[]; WorkingDir: string };
        expectEqual(config.User, '1000:1000', 'USER');
        expectEqual(config.Cmd, ['node', 'dist/server.js'], 'CMD');
        const env = Object.fromEntries(config.Env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
        for (const [name, value] of Object.entries({
          HOME: '/tmp',
          HOST: '0.0.0.0',
          PORT: '8080',
          NODE_ENV: 'production',
          LLM_MODEL_PATH: '/opt/model/model.gguf',
          AWS_LWA_PORT: '8080',
          AWS_LWA_READINESS_CHECK_PATH: '/health',
          AWS_LWA_INVOKE_MODE: 'response_stream',
          AWS_LWA_ASYNC_INIT: 'true',
          LLM_WEB_UI: 'false',
        })) expectEqual(env[name], value, `ENV ${name}`);
        // Trusting the adapter's headers is the function's setting (the construct), not the image's: the same
        // image run elsewhere must ignore headers any client can send.
        expectEqual(env.LLM_TRUST_LAMBDA_CONTEXT, undefined, 'ENV LLM_TRUST_LAMBDA_CONTEXT');
      });

      await harness.check('the default build target carries no SnapStart label', async () => {
        const labels = ((await engine.inspect(tags.file, 'image')).Config as { Labels?: Record<string, string> | null }).Labels ?? {};
        expectTrue(!Object.hasOwn(labels, SNAPSTART_LABEL), `label ${SNAPSTART_LABEL} is set: ${JSON.stringify(labels)}`);
      });

      await harness.check('--target snapstart: the same image labelled for SnapStart; the hooks warm it up and mark the restore', async () => {
        const result = await build(tags.snapStart, { MODEL_SOURCE: 'file', MODEL_FILE: STAGED_MODEL }, ['--target', 'snapstart']);
        expectTrue(result.code === 0, `build failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
        const config = (await engine.inspect(tags.snapStart, 'image')).Config as { Labels?: Record<string, string>; User: string; Cmd: string[] };
        expectEqual(config.Labels?.[SNAPSTART_LABEL], 'Allow', `label ${SNAPSTART_LABEL}`);
        expectEqual([config.User, config.Cmd], ['1000:1000', ['node', 'dist/server.js']], 'USER and CMD');

        const container = await startContainer(tags.snapStart, port('snapStartImage'), HOOKS);
        const base = `http://127.0.0.1:${port('snapStartImage')}`;
        const hook = (hookPath: string, headers: Record<string, string> = {}) => fetch(`${base}${hookPath}`, { method: 'POST', headers });
        expectEqual((await hook(HOOKS.AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH, { 'x-amzn-request-context': '{}' })).status, 404, 'hook called through an invocation');
        const before = await hook(HOOKS.AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH);
        expectEqual(before.status, 200, 'before-checkpoint');
        expectTrue(((await before.json()) as { warmUpTokens: number }).warmUpTokens > 0, 'the warm-up generated nothing');
        expectEqual((await hook(HOOKS.AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH)).status, 200, 'after-restore');
        const { status, json } = await postJson(`${base}/`, { prompt: 'Hi', temperature: 0 });
        expectEqual([status, json.response?.trim()], [200, SCRIPT.answer.trim()], 'the first answer after the restore');
        const request = parseLogLines(await engine.logs(container.id)).find((event) => event.event === 'request' && event.route === '/');
        expectEqual([request?.restored, request?.coldStart], [true, false], 'restored / coldStart of the first request');
        await engine.removeContainer(container.id);
      });

      await harness.check('image holds only what runs: one node-llama-cpp binary, no sources, the adapter, a read-only model', async () => {
        const result = await engine.shell(tags.file, [
          'set -e',
          'echo "task=$(ls -A /var/task | tr "\\n" " ")"',
          'echo "ui=$(ls -A /var/task/ui | tr "\\n" " ")"',
          'echo "binaries=$(ls /var/task/node_modules/@node-llama-cpp | tr "\\n" " ")"',
          'echo "llama=$(ls -A /var/task/node_modules/node-llama-cpp/llama | tr "\\n" " ")"',
          'test -x /opt/extensions/lambda-adapter && echo adapter=executable',
          'echo "model=$(stat -c %A /opt/model/model.gguf)"',
          'echo "sizes=$(du -sb /var/task/node_modules /var/task/dist /var/task/ui /opt/extensions | cut -f1 | tr "\\n" " ")"',
        ].join('\n'));
        expectTrue(result.code === 0, `inspection failed: ${result.stderr}`);
        const facts = Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]));
        expectEqual(facts.task, 'dist node_modules package.json ui', '/var/task');
        expectEqual(facts.ui, readdirSync(path.join(RUNTIME, 'ui')).sort().join(' '), '/var/task/ui (the chat page)');
        expectTrue(/^linux-(x64|arm64)$/.test(facts.binaries), `@node-llama-cpp should hold one linux binary package, holds: ${facts.binaries}`);
        expectTrue(!facts.llama.includes('gitRelease.bundle'), 'the llama.cpp source bundle is still in the image');
        expectEqual(facts.adapter, 'executable', '/opt/extensions/lambda-adapter');
        expectEqual(facts.model, '-r--r--r--', 'model file mode');
        const [nodeModules, dist, ui, adapter] = facts.sizes.split(' ').map(Number);
        metrics.push(['runtime layers without the model (node_modules + dist + ui + adapter)',
          `${MB(nodeModules + dist + ui + adapter)} (node_modules ${MB(nodeModules)}, dist ${MB(dist)}, chat page ${(ui / 1000).toFixed(1)} kB, adapter ${MB(adapter)})`]);
        if (!platform.native) return;

        // The same lockfile, installed the plain way, for comparison (once: the host's npm, whatever the platform).
        const plain = path.join(work, 'plain-npm-ci');
        execFileSync('mkdir', ['-p', plain]);
        copyFileSync(path.join(RUNTIME, 'package.json'), path.join(plain, 'package.json'));
        copyFileSync(path.join(RUNTIME, 'package-lock.json'), path.join(plain, 'package-lock.json'));
        execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: plain, stdio: 'ignore' });
        const plainBytes = duBytes(path.join(plain, 'node_modules'));
        rmSync(plain, { recursive: true, force: true });
        metrics.push(['plain `npm ci --omit=dev` node_modules, same lockfile', MB(plainBytes)]);
        expectTrue(nodeModules < plainBytes * 0.15, `pruned node_modules (${MB(nodeModules)}) should be under 15 % of a plain install (${MB(plainBytes)})`);
      });

      let container: { id: string; readyMs: number } | undefined;
      await harness.check('runs --read-only --tmpfs /tmp --user 1000:1000 and /health turns 200', async () => {
        const started = await startContainer(tags.file, port('fileImage'));
        container = started;
        metrics.push(['container start to ready (/health 200), generated model', `${(container.readyMs / 1000).toFixed(1)} s (the server's own start-up: ${(started.serverStartupMs / 1000).toFixed(1)} s)`]);
      });

      if (container) {
        const base = `http://127.0.0.1:${port('fileImage')}`;
        await harness.check('seed format: POST / {"prompt"} answers {"response", "reasoning"}', async () => {
          const { status, json } = await postJson(`${base}/`, { prompt: 'Hi', temperature: 0 });
          expectEqual(status, 200, 'status');
          expectEqual(json.response?.trim(), SCRIPT.answer.trim(), 'response');
          expectEqual(json.reasoning?.trim(), SCRIPT.reasoning.trim(), 'reasoning');
        });

        await harness.check('the chat page is off in the image by default: GET / from a browser keeps the 405', async () => {
          const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
          expectEqual([page.status, page.headers.get('allow')], [405, 'POST'], 'GET / (Accept: text/html)');
          expectEqual((await fetch(`${base}/ui/app.js`)).status, 404, 'GET /ui/app.js');
        });

        await harness.check('OpenAI chat completion streams SSE chunks ending with [DONE]', async () => {
          const sse = await postSse(`${base}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hi' }], stream: true, temperature: 0 });
          expectEqual(sse.status, 200, 'status');
          expectTrue(sse.contentType.startsWith('text/event-stream'), `content-type ${sse.contentType}`);
          expectTrue(sse.done, 'the stream did not end with data: [DONE]');
          expectTrue(sse.events.length > 3, `only ${sse.events.length} chunks`);
          expectTrue(sse.events.every((e) => e.object === 'chat.completion.chunk'), 'a chunk is not a chat.completion.chunk');
          const content = sse.events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
          const reasoning = sse.events.map((e) => e.choices?.[0]?.delta?.reasoning_content ?? '').join('');
          expectEqual(content.trim(), SCRIPT.answer.trim(), 'streamed content');
          expectEqual(reasoning.trim(), SCRIPT.reasoning.trim(), 'streamed reasoning_content');
          expectEqual(sse.events.map((e) => e.choices?.[0]?.finish_reason).filter(Boolean), ['stop'], 'finish_reason of the chunks');
        });

        await harness.check('Responses API streams its semantic events, ending with response.completed', async () => {
          const sse = await postSse(`${base}/v1/responses`, { input: 'Hi', stream: true, temperature: 0 });
          expectEqual(sse.status, 200, 'status');
          expectTrue(!sse.done, 'a Responses stream ends with its last event, not data: [DONE]');
          expectEqual([sse.events[0]?.type, sse.events.at(-1)?.type], ['response.created', 'response.completed'], 'first and last events');
          const content = sse.events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
          expectEqual(content.trim(), SCRIPT.answer.trim(), 'streamed output_text');
          expectEqual(sse.events.at(-1)?.response?.output_text?.trim(), SCRIPT.answer.trim(), 'output_text of the completed response');
        });

        await harness.check('inside: uid 1000, root filesystem read-only, /tmp writable', async () => {
          const result = await engine.run(['exec', container!.id, 'sh', '-c',
            'id -u; if touch /var/task/probe 2>/dev/null; then echo task-writable; else echo task-read-only; fi; touch /tmp/probe && echo tmp-writable']);
          expectEqual(result.stdout.trim().split('\n'), ['1000', 'task-read-only', 'tmp-writable'], 'probe');
        });

        await harness.check('SIGTERM (Lambda shutdown) stops the server promptly with exit code 0', async () => {
          const stop = await engine.run(['stop', '-t', '10', container!.id]);
          expectTrue(stop.code === 0, `stop failed: ${stop.stderr}`);
          const state = (await engine.inspect(container!.id, 'container')).State as { ExitCode: number };
          expectEqual(state.ExitCode, 0, 'exit code');
          expectTrue(stop.seconds < 8 * platform.slowdown, `stopping took ${stop.seconds.toFixed(1)} s (SIGTERM ignored?)`);
        });
      }
    } else {
      harness.fail('checks of the MODEL_SOURCE=file image', 'skipped: the image did not build');
    }

    // ---- MODEL_SOURCE=url: downloaded while the image builds, checksum enforced ------------------------------
    const notGguf = path.join(work, 'not-a-model.gguf');
    writeFileSync(notGguf, Buffer.alloc(64 * 1024, 1));
    const modelServer: FileServer = await startFileServer({
      port: port('modelServer'),
      files: { '/models/scripted.gguf': scripted.path, '/models/not-a-model.gguf': notGguf },
    });
    closers.push(() => modelServer.close());
    const modelUrl = `${modelServer.baseUrl}/models/scripted.gguf`;
    const goodSha256 = sha256(scripted.path);

    await harness.check('MODEL_SOURCE=url with the right MODEL_SHA256 builds, and the image serves that model', async () => {
      const result = await build(tags.url, { MODEL_SOURCE: 'url', MODEL_URL: modelUrl, MODEL_SHA256: goodSha256 });
      expectTrue(result.code === 0, `build failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
      expectTrue(modelServer.requests.includes('GET /models/scripted.gguf'), 'the build never requested the model URL');
      const container = await startContainer(tags.url, port('urlImage'));
      const { status, json } = await postJson(`http://127.0.0.1:${port('urlImage')}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hi' }], temperature: 0 });
      expectEqual(status, 200, 'status');
      expectEqual(json.choices?.[0]?.message?.content?.trim(), SCRIPT.answer.trim(), 'answer');
      await engine.removeContainer(container.id);
    });

    const expectBuildRefused = async (args: Record<string, string>, message: RegExp) => {
      const result = await build(tags.urlOther, { MODEL_SOURCE: 'url', MODEL_URL: modelUrl, ...args });
      expectTrue(result.code !== 0, 'the build succeeded');
      const output = result.stdout + result.stderr;
      expectTrue(message.test(output), `the build failed without the expected message ${message}:\n${tail(output)}`);
    };
    await harness.check('MODEL_SOURCE=url with a wrong MODEL_SHA256 fails the build with a clear message', () =>
      expectBuildRefused({ MODEL_SHA256: '0'.repeat(64) },
        new RegExp(`MODEL_SHA256 mismatch: the file downloaded from ${modelUrl.replace(/[.]/g, '\\.')} has SHA-256 ${goodSha256}, but MODEL_SHA256 is 0{64}`)));
    await harness.check('MODEL_SOURCE=url without MODEL_SHA256 fails the build unless MODEL_ALLOW_UNVERIFIED=true', () =>
      expectBuildRefused({}, /MODEL_SHA256 is missing: a model downloaded from MODEL_URL must match a known SHA-256/));
    await harness.check('MODEL_SOURCE=url without MODEL_SHA256 builds when MODEL_ALLOW_UNVERIFIED=true, and prints the checksum', async () => {
      const result = await build(tags.urlOther, { MODEL_SOURCE: 'url', MODEL_URL: modelUrl, MODEL_ALLOW_UNVERIFIED: 'true' });
      expectTrue(result.code === 0, `build failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
      expectTrue((result.stdout + result.stderr).includes(`"event":"model_download_unverified","source":"build","url":"${modelUrl}","sha256":"${goodSha256}"`),
        'the build did not report the unverified download with its SHA-256');
    });
    await harness.check('MODEL_SOURCE=url of a file that is not GGUF fails the build, even with its checksum', () =>
      expectBuildRefused({ MODEL_URL: `${modelServer.baseUrl}/models/not-a-model.gguf`, MODEL_SHA256: sha256(notGguf) },
        /is not a valid GGUF model: it does not start with the GGUF magic bytes/));

    // ---- MODEL_SOURCE=none: the server fetches the model from S3 at start ------------------------------------
    let noneImageBuilt = false;
    await harness.check('MODEL_SOURCE=none builds an image without a model', async () => {
      const result = await build(tags.none, { MODEL_SOURCE: 'none' });
      expectTrue(result.code === 0, `build failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
      noneImageBuilt = true;
      metrics.push(['image rebuild, dependencies cached (MODEL_SOURCE=none)', `${result.seconds.toFixed(0)} s`]);
      const config = (await engine.inspect(tags.none, 'image')).Config as { Env: string[] };
      expectTrue(!config.Env.some((entry) => entry.startsWith('LLM_MODEL_PATH=')), 'LLM_MODEL_PATH is set in a model-less image');
      const probe = await engine.shell(tags.none, 'test ! -e /opt/model && echo no-model');
      expectEqual(probe.stdout.trim(), 'no-model', '/opt/model');
    });

    if (noneImageBuilt) {
      // A valid model padded to a size worth measuring; llama.cpp ignores bytes after the last tensor.
      const s3Model = path.join(work, 'padded-model.gguf');
      copyFileSync(scripted.path, s3Model);
      appendFileSync(s3Model, Buffer.alloc(S3_PADDING_BYTES));
      const s3: FakeS3 = await startFakeS3({ port: port('fakeS3'), objects: { 'models/r1/padded-model.gguf': s3Model } });
      closers.push(() => s3.close());

      await harness.check('MODEL_SOURCE=none fetches the model from S3 at start with parallel ranged GETs, then serves it', async () => {
        const container = await startContainer(tags.none, port('s3Image'), {
          LLM_MODEL_S3_BUCKET: 'models',
          LLM_MODEL_S3_KEY: 'r1/padded-model.gguf',
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDCONTAINERTEST',
          AWS_SECRET_ACCESS_KEY: 'container-test-secret',
        });
        const gets = s3.requests.filter((r) => r.method === 'GET');
        expectTrue(gets.length > 1 && gets.every((r) => r.range), `expected several ranged GETs, saw ${JSON.stringify(gets.map((r) => r.range))}`);
        expectTrue(s3.maxConcurrentGets() > 1, `the ranged GETs never overlapped (max ${s3.maxConcurrentGets()} at once)`);
        const { status, json } = await postJson(`http://127.0.0.1:${port('s3Image')}/`, { prompt: 'Hi', temperature: 0 });
        expectEqual(status, 200, 'status');
        expectEqual(json.response?.trim(), SCRIPT.answer.trim(), 'response');
        const fetchLine = parseLogLines(await engine.logs(container.id)).find((event) => event.event === 'model_s3_fetch');
        expectTrue(fetchLine !== undefined, 'no model_s3_fetch line in the container log');
        metrics.push(['S3 fetch at start (local fake S3, loopback)', `${MB(Number(fetchLine!.sizeBytes))} in ${fetchLine!.parts} ranged GETs, ${fetchLine!.concurrency} at once, ${fetchLine!.mbPerSecond} MB/s`]);
        metrics.push(['container start to ready, model fetched from S3 first', `${(container.readyMs / 1000).toFixed(1)} s`]);
        await engine.removeContainer(container.id);
      });
    }
  } catch (error) {
    harness.fail('container test set-up', error);
  } finally {
    for (const id of containers) await engine.removeContainer(id);
    for (const tag of Object.values(tags)) await engine.removeImage(tag);
    // The intermediate stage images these builds left (one holds a full, unpruned npm install).
    for (const id of await engine.danglingImages()) if (!danglingBefore.has(id)) await engine.removeImage(id);
    for (const close of closers) await close().catch(() => undefined);
    rmSync(stagedModel, { force: true });
    rmSync(path.join(work, 'padded-model.gguf'), { force: true });
    if (harness.failures > failuresBefore) console.log(`build output kept in ${buildLog}`);
    else rmSync(work, { recursive: true, force: true });
  }

  if (measured.length > 0) {
    console.log(`\nmeasured (${platform.name}):`);
    for (const [name, value] of measured) console.log(`  ${name}: ${value}`);
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`container test could not start: ${error instanceof Error ? error.message : String(error)}`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
});
