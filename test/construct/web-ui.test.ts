/**
 * The `webUi` prop: off unless asked (LLM_WEB_UI=false, as the image's own default), on with `webUi: true`,
 * a synth warning when the page could never load (AWS_IAM: browsers do not sign), and the page's files in
 * the image's build context. Real synth throughout.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { cleanTempDirs, dockerImageSources, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';
import { RuntimeEnv } from '../../src/runtime-contract';

afterAll(cleanTempDirs);

const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069) });
function build(props: Partial<LlmFunctionUrlProps> = {}): Stack {
  const stack = newStack();
  new LlmFunctionUrl(stack, 'Llm', { model: model(), ...props });
  return stack;
}
const envOf = (stack: Stack): Record<string, string> =>
  Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
const webUiWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('webUi'))
  .map((warning) => String(warning.entry.data));
const publicUrl = { authType: lambda.FunctionUrlAuthType.NONE, reservedConcurrentExecutions: 2 };

test('by default the page is off: LLM_WEB_UI=false, and no webUi warning', () => {
  const stack = build();
  expect(envOf(stack)[RuntimeEnv.WEB_UI]).toBe('false');
  expect(webUiWarnings(stack)).toEqual([]);
});

test('webUi: true turns it on (LLM_WEB_UI=true), with NONE auth and its bearer key, without a warning', () => {
  const stack = build({ ...publicUrl, webUi: true });
  const env = envOf(stack);
  expect(env[RuntimeEnv.WEB_UI]).toBe('true');
  expect(env[RuntimeEnv.API_KEY_SECRET_ARN]).toBeDefined();
  expect(webUiWarnings(stack)).toEqual([]);
});

test('webUi: true with AWS_IAM warns at synth that browsers cannot sign, so the page cannot load', () => {
  for (const props of [{ webUi: true }, { webUi: true, authType: lambda.FunctionUrlAuthType.AWS_IAM }]) {
    const stack = build(props);
    expect(envOf(stack)[RuntimeEnv.WEB_UI]).toBe('true');
    expect(webUiWarnings(stack)).toEqual([expect.stringMatching(/^webUi is true with authType AWS_IAM: browsers cannot SigV4-sign requests, so the Function URL refuses the page \(403\)/)]);
  }
});

test('webUi: false is the default spelled out', () => {
  expect(envOf(build({ ...publicUrl, webUi: false }))[RuntimeEnv.WEB_UI]).toBe('false');
});

test('LLM_WEB_UI cannot be set through `environment` (the prop owns it)', () => {
  expect(() => build({ ...publicUrl, environment: { LLM_WEB_UI: 'true' } })).toThrow(/environment: LLM_WEB_UI is read by the runtime/);
});

test('the image\'s build context holds every file of the page', () => {
  const [source] = dockerImageSources(build({ ...publicUrl, webUi: true }));
  const shipped = fs.readdirSync(path.join(__dirname, '..', '..', 'runtime', 'ui')).sort();
  expect(shipped.length).toBeGreaterThan(3);
  expect(fs.readdirSync(path.join(source.directory, 'ui')).sort()).toEqual(shipped);
  expect(fs.readFileSync(path.join(source.directory, 'Dockerfile'), 'utf8')).toMatch(/^COPY ui \.\/ui$/m);
});
