import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { cleanOutdirs, synthExample, synthWithCarelessFunction } from './example-synth';
import { DEEPSEEK_R1_MODELS, MODEL_CATALOG } from '../../examples/deepseek-r1/model-catalog';

afterAll(cleanOutdirs);

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
    const { findings, exitCode } = synthWithCarelessFunction();
    expect(findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ plugin: 'AwsSolutions', rule: expect.stringMatching(/^AwsSolutions-IAM4/), path: 'DeepSeekR1/Careless/ServiceRole/Resource' }),
      expect.objectContaining({ plugin: 'Serverless', rule: 'Serverless-LambdaDLQ', path: 'DeepSeekR1/Careless/Resource' }),
    ]));
    expect(exitCode).not.toBe(0);
  });

  test('every catalog entry is pinned to a commit and carries a SHA-256', () => {
    for (const model of Object.values(MODEL_CATALOG)) {
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

  test('-c auth=none -c webUi=true: the chat page on (LLM_WEB_UI=true), still nag-clean; off by default', () => {
    const variables = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    const { template } = synthExample({ auth: 'none', webUi: 'true' });
    expect(variables(template).LLM_WEB_UI).toBe('true');
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    expect(variables(synthExample({}).template).LLM_WEB_UI).toBe('false');
    expect(() => synthExample({ webUi: 'on' })).toThrow(/context webUi=on: expected true \| false/);
  });

  test('-c provisionedConcurrency=2: environments kept initialized on the alias live behind the URL, still nag-clean', () => {
    const { template } = synthExample({ provisionedConcurrency: '2' });
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    template.hasResourceProperties('AWS::Lambda::Url', { Qualifier: 'live' });
    for (const bad of ['0', 'two', '1.5']) {
      expect(() => synthExample({ provisionedConcurrency: bad })).toThrow(new RegExp(`context provisionedConcurrency=${bad}: expected a whole number`));
    }
    expect(() => synthExample({ provisionedConcurrency: '1', snapStart: 'true' })).toThrow(/provisionedConcurrentExecutions: cannot be combined with snapStart/);
  });

  test('-c managedInstances=true: the function on a capacity provider in a VPC of its own with a NAT gateway and flow logs, still nag-clean', () => {
    const { template } = synthExample({ managedInstances: 'true' });
    const provider = Object.entries(template.findResources('AWS::Lambda::CapacityProvider'));
    expect(provider).toHaveLength(1);
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0].Properties;
    expect(fn.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig).toMatchObject({
      CapacityProviderArn: { 'Fn::GetAtt': [provider[0][0], 'Arn'] },
      PerExecutionEnvironmentMaxConcurrency: 4,
      ExecutionEnvironmentMemoryGiBPerVCpu: 2,
    });
    expect(fn.Environment.Variables).toMatchObject({ LLM_PARALLEL: '4', LLM_THREADS: '2' });
    expect(provider[0][1].Properties.InstanceRequirements).toEqual({ Architectures: ['arm64'] });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { Qualifier: 'live', InvokeMode: 'RESPONSE_STREAM' });
    expect(() => synthExample({ managedInstances: 'yes' })).toThrow(/context managedInstances=yes: expected true \| false/);
    expect(() => synthExample({ managedInstances: 'true', compliance: 'true' })).toThrow(/context managedInstances=true cannot be combined with compliance=true: the regulated network has no route out/);
    expect(() => synthExample({ managedInstances: 'true', snapStart: 'true' })).toThrow(/managedInstances: cannot be combined with snapStart/);
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
