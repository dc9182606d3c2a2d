import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { DeepSeekR1Stack, DeepSeekR1StackProps } from './deepseek-r1-stack';
import { MODEL_CATALOG } from './model-catalog';
import { readSettings } from './settings';

/**
 * The example app: one DeepSeek-R1 stack, checked by cdk-nag's AwsSolutions and Serverless packs (a finding
 * fails `cdk synth`); with `-c compliance=true` the regulated variant, checked by the NIST 800-53 R5, HIPAA
 * Security and PCI DSS 3.2.1 packs as well. Context switches model, architecture and auth (see README.md).
 */
export function createApp(props?: AppProps, stackProps?: Pick<DeepSeekR1StackProps, 'overrides'>): App {
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const catalog = MODEL_CATALOG[settings.variant];
  const what = catalog.embedding !== undefined ? catalog.name : `DeepSeek-R1-Distill ${settings.variant}`;
  new DeepSeekR1Stack(app, 'DeepSeekR1', {
    settings,
    description: `${what} on AWS Lambda behind a Function URL (llm-function-url example${settings.compliance ? ', compliance variant' : ''})`,
    ...stackProps,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  if (settings.compliance) {
    Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app), new PCIDSS321Checks(app));
  }
  return app;
}

if (require.main === module) {
  createApp().synth();
}
