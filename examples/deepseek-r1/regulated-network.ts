import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { addFlowLogs } from './flow-logs';

/**
 * What a regulated account expects around the function: a VPC with private isolated subnets only (no
 * internet gateway, no NAT), its default security group closed, flow logs to an encrypted log group, and a
 * customer-managed KMS key with rotation for logs and the function's environment.
 *
 * No VPC endpoint is created: the model is baked into the image (`fromUrl`) and auth is IAM, so the function
 * calls no AWS service from inside the VPC (logs, metrics, the image pull and the environment's decryption
 * go through the Lambda service). Serving from S3 would need an S3 gateway endpoint
 * (`vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 })`); a bearer key, a
 * Secrets Manager interface endpoint.
 */
export class RegulatedNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the LLM function\'s logs, its environment and the VPC flow logs',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      restrictDefaultSecurityGroup: true,
    });

    // The key policy statement CloudWatch Logs needs is added by LlmFunctionUrl's logEncryptionKey (for
    // every log group of this account and Region), so the flow logs' group can use the same key.
    addFlowLogs(this, this.vpc, this.key);
  }
}
