import { Validations } from 'aws-cdk-lib';
import { LlmFunctionUrl } from '../../src';

/**
 * The findings of the NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 packs (and AwsSolutions) that the
 * compliance variant keeps, acknowledged on the resource each concerns, with the reason a reviewer checks.
 * Everything else these packs report on the default stack is fixed by a prop (README "Compliance").
 */
export function acknowledgeComplianceFindings(llm: LlmFunctionUrl): void {
  const noDeadLetterQueue = 'A dead-letter queue only receives failed asynchronous invocations; a Function URL invokes the function synchronously and returns every error to its caller, so a queue would stay empty.';
  Validations.of(llm.function).acknowledge(
    { id: 'NIST.800.53.R5-LambdaDLQ', reason: noDeadLetterQueue },
    { id: 'HIPAA.Security-LambdaDLQ', reason: noDeadLetterQueue },
  );
  Validations.of(llm.runtimePolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Attaching a function to a VPC needs ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses on the execution role (the actions of AWS\'s AWSLambdaVPCAccessExecutionRole); EC2\'s Describe actions support no resource-level permissions, so the statement is on "*". Every other statement names its resource.',
  });
}
