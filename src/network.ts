import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The VPC props as given. */
export interface NetworkChoice {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Where the function's network interfaces go, ready for the function's props. */
export interface NetworkPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** The names of the VPC props that were given (vpc, vpcSubnets, securityGroups). */
export function givenNetworkProps(choice: NetworkChoice): string[] {
  return Object.entries({ vpc: choice.vpc, vpcSubnets: choice.vpcSubnets, securityGroups: choice.securityGroups })
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
}

/**
 * The function's place in the user's VPC: private subnets by default, public ones refused (Lambda gives a
 * function no public IP, so from a public subnet it would reach nothing). Undefined without a VPC.
 */
export function networkPlacement(choice: NetworkChoice): NetworkPlacement | undefined {
  if (!choice.vpc) {
    for (const [prop, value] of Object.entries({ vpcSubnets: choice.vpcSubnets, securityGroups: choice.securityGroups })) {
      if (value !== undefined) throw new Error(`${prop}: given without vpc; set vpc as well`);
    }
    return undefined;
  }
  const vpc = choice.vpc;
  const vpcSubnets = choice.vpcSubnets ?? defaultPrivateSubnets(vpc);
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  const publicSelected = vpc.selectSubnets(vpcSubnets).subnetIds.filter((id) => publicIds.has(id));
  if (publicSelected.length > 0) {
    throw new Error(`vpcSubnets: selects public subnets (${publicSelected.join(', ')}); Lambda gives a function in a VPC no public IP, so from there it reaches nothing. Select private subnets (with a NAT gateway or the VPC endpoints the model source needs)`);
  }
  if (choice.securityGroups !== undefined && choice.securityGroups.length === 0) {
    throw new Error('securityGroups: an empty list; leave it unset for a group of the function\'s own, or give at least one');
  }
  return { vpc, vpcSubnets, securityGroups: choice.securityGroups };
}

function defaultPrivateSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  if (vpc.privateSubnets.length > 0) return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  if (vpc.isolatedSubnets.length > 0) return { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  throw new Error('vpc: has no private subnets (with egress or isolated); Lambda gives a function in a VPC no public IP, so it must run in private subnets');
}

/**
 * What Lambda needs on the execution role to attach the function to the VPC: the actions of AWS's
 * AWSLambdaVPCAccessExecutionRole, minus its logs actions (the construct grants those on its log group).
 * Describe* has no resource-level permissions in EC2, so this statement is on "*".
 */
export function vpcAccessStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ManageVpcNetworkInterfaces',
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}
