import { awscdk, javascript } from 'projen';

// cdk-nag 3.x runs as a CDK validation plugin, which gets the construct tree only from aws-cdk-lib 2.258 on
// (with 2.257 its plugins report an error and check nothing). Users may bring anything newer.
const CDK_VERSION = '2.258.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'llm-function-url',
  description: 'An AWS CDK construct that serves an open-weights GGUF model (DeepSeek-R1, Llama, Qwen, ...) from an AWS Lambda Function URL with node-llama-cpp, speaking the OpenAI API.',
  author: 'LlmFunctionUrl contributors',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/llm-function-url/llm-function-url.git',
  keywords: ['cdk', 'awscdk', 'lambda', 'llm', 'llama.cpp', 'gguf', 'deepseek', 'openai', 'function-url'],
  license: 'Apache-2.0',
  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // The runtime and the example apps are not part of the jsii assembly.
  excludeTypescript: ['runtime/**', 'examples/**'],

  publishToPypi: { distName: 'llm-function-url', module: 'llm_function_url' },
  publishToMaven: {
    javaPackage: 'io.github.llmfunctionurl',
    mavenGroupId: 'io.github.llmfunctionurl',
    mavenArtifactId: 'llm-function-url',
  },
  // No namespace or package segment may equal a type name: inside `namespace LlmFunctionUrl` C# reads
  // `LlmFunctionUrl.LlmModel` as a member of the class LlmFunctionUrl (CS0426). test/bindings checks this.
  publishToNuget: { dotNetNamespace: 'LlmFunctionUrlConstructs', packageId: 'LlmFunctionUrlConstructs' },
  publishToGo: { moduleName: 'github.com/llm-function-url/llm-function-url-go' },

  devDeps: [
    'cdk-nag@^3.0.2',
    'aws-cdk@^2.1100.0',
    // The client matrix (test/clients): each client unmodified, pinned to the version the README's Clients table names.
    'openai@7.60.0',
    '@openai/agents@0.20.0',
    'ai@7.0.173',
    '@ai-sdk/openai@4.0.118',
    '@ai-sdk/openai-compatible@3.0.92',
    '@langchain/openai@1.6.0',
    '@langchain/core@1.4.0',
    '@smithy/signature-v4@^5',
    '@aws-crypto/sha256-js@^5',
    '@aws-sdk/credential-providers@^3',
    '@smithy/types@^4',
    // Drives Debian's chromium (/usr/bin/chromium) in the web page tests; downloads no browser. Major 24: 25 is
    // ESM-only and needs Node 22.12, while the project's jest runs CommonJS on Node 20.
    'puppeteer-core@^24',
    // The JSON-schema tests and the client matrix: zod 4 writes schemas as the AI SDK and LangChain send them; ajv (2020-12 dialect)
    // and ajv-formats judge every generated answer against the schema as sent. Exact pins: a new release
    // may change what zod writes or what ajv accepts, and the tests compare exactly.
    'zod@4.6.7',
    'ajv@8.20.0',
    'ajv-formats@3.0.1',
  ],
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'projenrc', '.projenrc.ts'] },

  // The user asked for a top-level tsconfig.dev.json: it type-checks src, test, examples and the projenrc.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    exclude: ['node_modules', 'runtime', 'examples/**/cdk.out'],
    compilerOptions: {},
  },
  jestOptions: {
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/runtime/', '/cdk.out/'],
      // Runtime tests start real servers on real models: give them room on a 2-core machine.
      testTimeout: 120_000,
      maxWorkers: 1,
    },
  },
  gitignore: ['*.gguf', 'cdk.out/', '.bench-cache/', 'runtime/dist/', 'runtime/node_modules/', 'test-reports/'],
  npmignoreEnabled: true,
});

// The npm tarball ships the container build context: Dockerfile, compiled server, manifest and lockfile.
// Never a model file, never the runtime's sources or dependencies (the image installs its own).
project.npmignore?.addPatterns('!/runtime/dist/', '/runtime/src/', '/runtime/node_modules/', '/runtime/tsconfig.json', '*.gguf', '/examples/', '/docs/', '/.ci/', '/test/');
project.addFields({ files: undefined });

const runtimeBuild = project.addTask('runtime:build', {
  description: 'Compile the Lambda runtime server (runtime/src -> runtime/dist)',
  exec: 'npm --prefix runtime run build',
});
project.preCompileTask.spawn(runtimeBuild);

const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test and examples together (jest transpiles without type-checking)',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});

const bindings = project.addTask('bindings:check', {
  description: 'Generate Python, Java, .NET and Go bindings (code only), then byte-compile the Python package and gofmt -e the Go package (needs python3 and gofmt: Debian python3, golang-go)',
});
bindings.exec('jsii-pacmak --code-only -t python -t java -t dotnet -t go --outdir dist/bindings-check');
bindings.exec('ts-node --project tsconfig.dev.json test/bindings/check-generated.ts dist/bindings-check');

// `npx projen test` runs everything that needs no container engine.
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(project.compileTask);
project.testTask.prependSpawn(runtimeBuild);
project.testTask.spawn(bindings);

project.addTask('test:container', {
  description: 'Build the runtime image with docker or podman (CONTAINER_ENGINE) and run it read-only',
  exec: 'ts-node --project tsconfig.dev.json test/container/run-container-test.ts',
});

const demo = project.addTask('demo', {
  description: 'Offline tour: synthesize examples/deepseek-r1 (cdk-nag checked), then serve a generated model locally and call it',
  exec: 'ts-node --project tsconfig.dev.json examples/local-demo/demo.ts',
});
demo.prependSpawn(runtimeBuild);

const screenshot = project.addTask('docs:web-ui-screenshot', {
  description: 'Write docs/web-ui.png: the chat page after one answer, in headless Chromium (/usr/bin/chromium) on a generated model',
  exec: 'ts-node --project tsconfig.dev.json test/ui/screenshot.ts',
});
screenshot.prependSpawn(runtimeBuild);

project.addTask('bench:cold-start', {
  description: 'Cold start of the image phase by phase (page cache dropped/warm, read/mmap) and the SnapStart restore path; needs docker or podman',
  exec: 'ts-node --project tsconfig.dev.json test/bench/cold-start.ts',
  receiveArgs: true,
});

project.addTask('bench', {
  description: 'Benchmark the server against raw node-llama-cpp on a DeepSeek-R1-1.5B-shaped model',
  exec: 'npm --prefix runtime run build && ts-node --project tsconfig.dev.json test/bench/run-bench.ts',
});

project.addTask('bench:prefix', {
  description: 'Only the prefix-reuse part of the benchmark: turn 2 of a chat after turn 1 against LLM_ISOLATE_REQUESTS=true',
  exec: 'npm --prefix runtime run build && ts-node --project tsconfig.dev.json test/bench/run-prefix-bench.ts',
});

project.addTask('bench:parallel', {
  description: 'Concurrent streams (LLM_PARALLEL) against llama.cpp\'s own llama-server -np N (--llama-server PATH|build) and today\'s server on the 1.5B-shaped model',
  exec: 'npm --prefix runtime run build && ts-node --project tsconfig.dev.json test/bench/run-parallel-bench.ts',
  receiveArgs: true,
});

project.addTask('bench:embeddings', {
  description: 'Embeddings per second for batches of 1, 16 and 128 short inputs: the server against raw node-llama-cpp (two contexts, one context) on a Qwen3-Embedding-0.6B-shaped model',
  exec: 'npm --prefix runtime run build && ts-node --project tsconfig.dev.json test/bench/run-embeddings-bench.ts',
  receiveArgs: true,
});

// projen merges `include` with its own catch-all; the dev tsconfig must not reach into runtime/ (its own ESM package).
project.tsconfigDev.file.addOverride('include', ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts']);

// eslint's project service looks for the nearest tsconfig.json, which covers only src/: lint every folder
// with the dev tsconfig instead (it includes src, test and examples).
project.eslint?.file.addDeletionOverride('parserOptions.projectService');
project.eslint?.file.addOverride('parserOptions.project', './tsconfig.dev.json');
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', './tsconfig.dev.json');

project.synth();
