import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DeepSeekR1Stack } from './deepseek-r1-stack';
import { readSettings } from './settings';

/**
 * The example app: one DeepSeek-R1 stack, checked by cdk-nag's AwsSolutions and Serverless packs
 * (a finding fails `cdk synth`). Context switches model, architecture and auth (see README.md).
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key));
  new DeepSeekR1Stack(app, 'DeepSeekR1', {
    settings,
    description: `DeepSeek-R1-Distill ${settings.variant} on AWS Lambda behind a Function URL (llm-function-url example)`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

if (require.main === module) {
  createApp().synth();
}
