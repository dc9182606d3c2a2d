import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createApp } from '../../examples/deepseek-r1/app';
import { DEEPSEEK_R1_MODELS } from '../../examples/deepseek-r1/model-catalog';

/** Cloud assembly folders of this file's syntheses, removed after the tests. */
const outdirs: string[] = [];
function newOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepseek-r1-example-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface NagFinding { readonly plugin: string; readonly rule: string; readonly path?: string }

/**
 * Synthesizes the app and returns what its validation plugins (the cdk-nag packs) reported. A failed
 * plugin does not throw: CDK writes validation-report.json and sets process.exitCode (which `cdk synth`
 * turns into a failure), so both are read here and the exit code is restored for jest.
 */
function synthWithNag(app: App) {
  const exitCodeBefore = process.exitCode;
  try {
    const assembly = app.synth();
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
    const findings: NagFinding[] = (report.pluginReports as any[]).flatMap((plugin) => [
      ...(plugin.metadata?.error ? [{ plugin: plugin.pluginName, rule: `plugin error: ${plugin.metadata.error}` }] : []),
      ...(plugin.violations as any[]).flatMap((v) => (v.violatingConstructs as any[])
        .map((c) => ({ plugin: plugin.pluginName, rule: v.ruleName, path: c.constructPath }))),
    ]);
    return { assembly, findings, exitCode: process.exitCode ?? 0 };
  } finally {
    process.exitCode = exitCodeBefore;
  }
}

/** Synthesizes the example app with its cdk-nag packs and asserts they found nothing. */
function synthExample(context: Record<string, string>) {
  const outdir = newOutdir();
  const { assembly, findings, exitCode } = synthWithNag(createApp({ outdir, context }));
  expect(findings).toEqual([]);
  expect(exitCode).toBe(0);
  const stack = assembly.getStackByName('DeepSeekR1');
  const assetManifest = JSON.parse(fs.readFileSync(path.join(outdir, 'DeepSeekR1.assets.json'), 'utf8'));
  type ImageSource = { dockerBuildArgs?: Record<string, string>; dockerBuildTarget?: string; platform?: string };
  const images = Object.values(assetManifest.dockerImages) as Array<{ source: ImageSource }>;
  return { template: Template.fromJSON(stack.template), images, outdir };
}

describe('examples/deepseek-r1', () => {
  test('default synth: IAM auth, pinned 1.5B model verified by SHA-256, Function URL output, nag-clean', () => {
    const { template, images } = synthExample({});

    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' });
    template.hasOutput('FunctionUrl', {});
    expect(template.findOutputs('ApiKeySecretArn')).toEqual({});
    template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'] });

    expect(images).toHaveLength(1);
    const catalog = DEEPSEEK_R1_MODELS['1.5b'];
    expect(images[0].source.dockerBuildArgs).toMatchObject({
      MODEL_SOURCE: 'url',
      MODEL_URL: catalog.url,
      MODEL_SHA256: catalog.sha256,
    });
    expect(images[0].source.dockerBuildArgs?.MODEL_ALLOW_UNVERIFIED).not.toBe('true');
    expect(images[0].source.platform).toBe('linux/arm64');
  });

  test('the nag packs do run: a non-compliant function added to the example app is reported', () => {
    const app = createApp({ outdir: newOutdir() });
    const stack = app.node.findChild('DeepSeekR1') as Stack;
    new lambda.Function(stack, 'Careless', {
      runtime: lambda.Runtime.NODEJS_18_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    const { findings, exitCode } = synthWithNag(app);
    expect(findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ plugin: 'AwsSolutions', rule: expect.stringMatching(/^AwsSolutions-IAM4/), path: 'DeepSeekR1/Careless/ServiceRole/Resource' }),
      expect.objectContaining({ plugin: 'Serverless', rule: 'Serverless-LambdaDLQ', path: 'DeepSeekR1/Careless/Resource' }),
    ]));
    expect(exitCode).not.toBe(0);
  });

  test('every catalog entry is pinned to a commit and carries a SHA-256', () => {
    for (const model of Object.values(DEEPSEEK_R1_MODELS)) {
      expect(model.url).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\/[^/]+\.gguf$/);
      expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('context switches model size, architecture and auth; sizing follows the model', () => {
    const small = synthExample({});
    const large = synthExample({ model: '8b', architecture: 'x86_64', auth: 'none' });

    const memoryOf = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.MemorySize as number;
    expect(memoryOf(large.template)).toBeGreaterThan(memoryOf(small.template));
    expect(memoryOf(large.template)).toBeGreaterThan(DEEPSEEK_R1_MODELS['8b'].sizeBytes / 2 ** 20);

    // The example README quotes the 8B's memory: it must be what synth gives.
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'deepseek-r1', 'README.md'), 'utf8');
    expect(readme).toContain(`-c model=8b                  # 4.9 GB model: the tuner gives it ${memoryOf(large.template).toLocaleString('en-US')} MB of memory`);

    large.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    large.template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
    large.template.hasOutput('ApiKeySecretArn', {});
    large.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(large.images[0].source.dockerBuildArgs).toMatchObject({ MODEL_SHA256: DEEPSEEK_R1_MODELS['8b'].sha256 });
    expect(large.images[0].source.platform).toBe('linux/amd64');
  });

  test('-c snapStart=true: SnapStart version and alias "live" behind the URL, labelled image, still nag-clean', () => {
    const { template, images } = synthExample({ snapStart: 'true' });
    template.hasResourceProperties('AWS::Lambda::Function', { SnapStart: { ApplyOn: 'PublishedVersions' } });
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.hasResourceProperties('AWS::Lambda::Url', { Qualifier: 'live', AuthType: 'AWS_IAM' });
    expect(images[0].source.dockerBuildTarget).toBe('snapstart');
    expect(() => synthExample({ snapStart: 'yes' })).toThrow(/context snapStart=yes: expected true \| false/);
  });

  test('a custom URL needs its checksum and size; bad context names the key', () => {
    const url = 'https://models.example.com/pinned/abc/model.gguf';
    expect(() => synthExample({ modelUrl: url })).toThrow(/modelSha256/);
    expect(() => synthExample({ modelUrl: url, modelSha256: 'a'.repeat(64) })).toThrow(/modelSizeBytes/);
    expect(() => synthExample({ model: '70b' })).toThrow(/context model=70b/);
    expect(() => synthExample({ auth: 'open' })).toThrow(/context auth=open/);

    const custom = synthExample({ modelUrl: url, modelSha256: 'b'.repeat(64), modelSizeBytes: String(2 * 2 ** 30) });
    expect(custom.images[0].source.dockerBuildArgs).toMatchObject({ MODEL_URL: url, MODEL_SHA256: 'b'.repeat(64) });
    expect(() => synthExample({ modelUrl: url, modelSha256: 'b'.repeat(64), modelSizeBytes: '1000', modelKvCacheBytesPerToken: 'lots' })).toThrow(/context modelKvCacheBytesPerToken=lots/);
  });

  test('a custom URL never borrows the catalog entry\'s KV shape or name: the estimate, or the shape given', () => {
    const url = 'https://models.example.com/pinned/abc/my-model.gguf';
    const custom = { modelUrl: url, modelSha256: 'b'.repeat(64), modelSizeBytes: String(4 * 2 ** 30) };
    const functionOf = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;
    // 4 GiB with the library's estimate (256 KiB/token = 1,024 MB at 4k): 4,096 + 1,024 + 512 + 410 -> 6,080 MB.
    const estimated = functionOf(synthExample(custom).template);
    expect(estimated.MemorySize).toBe(6080);
    expect(estimated.Environment.Variables.LLM_MODEL_ID).toBe('my-model');
    // With the shape given (the 1.5B distill's 28 KiB/token = 112 MB): 5,184 MB.
    expect(functionOf(synthExample({ ...custom, modelKvCacheBytesPerToken: '28672' }).template).MemorySize).toBe(5184);
  });
});
