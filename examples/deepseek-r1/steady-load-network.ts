import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { addFlowLogs } from './flow-logs';

/**
 * The VPC for `-c managedInstances=true`: the capacity provider's EC2 instances run in its private subnets. AWS
 * recommends three Availability Zones (Lambda spreads its three default execution environments over them); the
 * example's stack is region-agnostic, for which CDK knows two zones, so give the stack an `env` to get three.
 * The instances pull the image from ECR and reach the Lambda service themselves, so the private subnets route
 * out through a NAT gateway: one, shared by the zones, to keep its cost (about $32 a month plus traffic) down;
 * use one per zone when a zone's outage must not cut the others off. Flow logs and a closed default security
 * group, as cdk-nag's AwsSolutions pack asks.
 */
export class SteadyLoadNetwork extends Construct {
  public readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 3,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    addFlowLogs(this, this.vpc);
  }
}
