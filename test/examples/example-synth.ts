/** Synthesis of the example app with its cdk-nag packs, shared by the example tests. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createApp } from '../../examples/deepseek-r1/app';
import { DeepSeekR1StackProps } from '../../examples/deepseek-r1/deepseek-r1-stack';

/** Cloud assembly folders of this file's syntheses, removed after the tests. */
const outdirs: string[] = [];
export function newOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepseek-r1-example-'));
  outdirs.push(dir);
  return dir;
}
export function cleanOutdirs(): void {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface NagFinding { readonly plugin: string; readonly rule: string; readonly path?: string }

/**
 * Synthesizes the app and returns what its validation plugins (the cdk-nag packs) reported. A failed
 * plugin does not throw: CDK writes validation-report.json and sets process.exitCode (which `cdk synth`
 * turns into a failure), so both are read here and the exit code is restored for jest.
 */
export function synthWithNag(app: App) {
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
export function synthExample(context: Record<string, string>, stackProps?: Pick<DeepSeekR1StackProps, 'overrides'>) {
  const outdir = newOutdir();
  const { assembly, findings, exitCode } = synthWithNag(createApp({ outdir, context }, stackProps));
  expect(findings).toEqual([]);
  expect(exitCode).toBe(0);
  const stack = assembly.getStackByName('DeepSeekR1');
  const assetManifest = JSON.parse(fs.readFileSync(path.join(outdir, 'DeepSeekR1.assets.json'), 'utf8'));
  type ImageSource = { dockerBuildArgs?: Record<string, string>; dockerBuildTarget?: string; platform?: string };
  const images = Object.values(assetManifest.dockerImages) as Array<{ source: ImageSource }>;
  return { template: Template.fromJSON(stack.template), images, outdir };
}


/**
 * Synthesizes the example app with a careless function (AWS managed policy, no DLQ, no VPC, ...) added to
 * its stack: whatever the packs report proves they ran.
 */
export function synthWithCarelessFunction(context: Record<string, string> = {}) {
  const app = createApp({ outdir: newOutdir(), context });
  new lambda.Function(app.node.findChild('DeepSeekR1') as Stack, 'Careless', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
  });
  return synthWithNag(app);
}
