import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmModel } from '../../src';

afterAll(cleanTempDirs);

function llm(stack: Stack, metricsNamespace?: string): LlmFunctionUrl {
  return new LlmFunctionUrl(stack, 'Llm', {
    model: LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) }),
    metricsNamespace,
  });
}

describe('metrics', () => {
  test('runtime metrics use the EMF namespace, metric names and the FunctionName dimension', () => {
    const stack = newStack();
    const construct = llm(stack);
    const functionName = stack.resolve(construct.function.functionName);
    const cases: Array<[cloudwatch.Metric, string, string]> = [
      [construct.metricTimeToFirstToken(), 'TimeToFirstToken', 'Average'],
      [construct.metricTokensPerSecond(), 'TokensPerSecond', 'Average'],
      [construct.metricCompletionTokens(), 'CompletionTokens', 'Sum'],
      [construct.metricPromptTokens(), 'PromptTokens', 'Sum'],
      [construct.metricGenerationDuration(), 'GenerationDuration', 'Average'],
      [construct.metricSequencesInUse(), 'SequencesInUse', 'Maximum'],
    ];
    for (const [metric, metricName, statistic] of cases) {
      expect(metric.namespace).toBe('LlmFunctionUrl');
      expect(metric.metricName).toBe(metricName);
      expect(metric.statistic).toBe(statistic);
      expect(stack.resolve(metric.dimensions)).toEqual({ FunctionName: functionName });
    }
  });

  test('options override the defaults, and a custom namespace follows the prop', () => {
    const stack = newStack();
    const metric = llm(stack, 'MyTeam/Llm').metricTimeToFirstToken({ statistic: 'p90', period: Duration.minutes(1) });
    expect(metric.namespace).toBe('MyTeam/Llm');
    expect(metric.statistic).toBe('p90');
    expect(metric.period.toMinutes()).toBe(1);
  });

  test("Lambda's own metrics come from the function", () => {
    const stack = newStack();
    const construct = llm(stack);
    const functionName = stack.resolve(construct.function.functionName);
    for (const [metric, name] of [
      [construct.metricErrors(), 'Errors'],
      [construct.metricThrottles(), 'Throttles'],
      [construct.metricDuration(), 'Duration'],
      [construct.metricInvocations(), 'Invocations'],
    ] as Array<[cloudwatch.Metric, string]>) {
      expect(metric.namespace).toBe('AWS/Lambda');
      expect(metric.metricName).toBe(name);
      expect(stack.resolve(metric.dimensions)).toEqual({ FunctionName: functionName });
    }
  });

  test('an alarm on a runtime metric synthesizes', () => {
    const stack = newStack();
    const construct = llm(stack);
    new cloudwatch.Alarm(stack, 'SlowFirstToken', { metric: construct.metricTimeToFirstToken({ statistic: 'p90' }), threshold: 10_000, evaluationPeriods: 3 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LlmFunctionUrl',
      MetricName: 'TimeToFirstToken',
      ExtendedStatistic: 'p90',
      Threshold: 10_000,
      Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(construct.function.functionName) }],
    });
  });
});
