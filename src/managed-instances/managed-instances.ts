import { Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { ManagedInstancesOptions, MemoryPerVcpu } from './managed-instances-options';
import { NetworkPlacement } from '../network';
import { RuntimeBounds } from '../runtime-contract';
import { ComputeShape, managedInstancesCompute } from '../sizing/compute-shape';

/** Four generations at once: the measure of parallel decoding, and four KV caches of memory. */
export const DEFAULT_MAX_CONCURRENCY = 4;

/** Lambda's own default, for Availability Zone resiliency: one environment per zone of three. */
export const DEFAULT_MIN_EXECUTION_ENVIRONMENTS = 3;

const GIB_PER_VCPU: { [ratio in MemoryPerVcpu]: number } = {
  [MemoryPerVcpu.TWO_GIB]: 2,
  [MemoryPerVcpu.FOUR_GIB]: 4,
  [MemoryPerVcpu.EIGHT_GIB]: 8,
};

/** Bounds of the function's FunctionScalingConfig (CloudFormation). */
const MAX_EXECUTION_ENVIRONMENTS = 15_000;
/** Bounds of a capacity provider's MaxVCpuCount (aws-cdk-lib checks the same). */
const VCPU_COUNT_RANGE = { min: 12, max: 15_000 };

/** The other props Managed Instances depend on. */
export interface ManagedInstancesContext {
  readonly snapStart: boolean;
  /** The placement of `vpc`, when given. */
  readonly network?: NetworkPlacement;
  /** Which of vpc, vpcSubnets and securityGroups were given. */
  readonly networkProps: string[];
}

/** The options with defaults applied and every value checked. */
export interface ManagedInstancesSettings {
  readonly maxConcurrency: number;
  readonly memoryPerVcpuGib: number;
  readonly compute: ComputeShape;
  readonly minExecutionEnvironments: number;
  readonly maxExecutionEnvironments?: number;
}

function requireWhole(prop: string, value: number | undefined, min: number, max: number, why: string): void {
  if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
    throw new Error(`managedInstances.${prop}: ${value} is not a whole number in ${min}-${max} (${why})`);
  }
}

/**
 * Checks the options and everything Lambda refuses together with Managed Instances, naming the props; returns
 * the settings with their defaults.
 */
export function managedInstancesSettings(options: ManagedInstancesOptions, context: ManagedInstancesContext): ManagedInstancesSettings {
  if (context.snapStart) {
    throw new Error('managedInstances: cannot be combined with snapStart: SnapStart snapshots Firecracker microVMs, and Managed Instances run the function in containers on EC2 instances; choose one');
  }
  if (options.capacityProvider) {
    if (context.networkProps.length > 0) {
      throw new Error(`${context.networkProps.join(', ')}: the given managedInstances.capacityProvider already places its instances in its VPC; leave ${context.networkProps.length === 1 ? 'it' : 'them'} unset`);
    }
    if (options.maxVcpuCount !== undefined) {
      throw new Error('managedInstances.maxVcpuCount: applies only to the capacity provider the construct creates; set it on the given capacityProvider');
    }
  } else if (!context.network) {
    throw new Error('managedInstances: needs vpc (the capacity provider runs its EC2 instances in the VPC\'s private subnets) or a capacityProvider of your own');
  }
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (Token.isUnresolved(maxConcurrency)) {
    throw new Error('managedInstances.maxConcurrency: must be known at synth (the tuner sizes memory for that many KV caches), not a token');
  }
  const { min, max } = RuntimeBounds.PARALLEL;
  requireWhole('maxConcurrency', maxConcurrency, min, max, 'the runtime decodes at most 64 sequences at once');
  const minExecutionEnvironments = options.minExecutionEnvironments ?? DEFAULT_MIN_EXECUTION_ENVIRONMENTS;
  requireWhole('minExecutionEnvironments', minExecutionEnvironments, 0, MAX_EXECUTION_ENVIRONMENTS, 'Lambda\'s range');
  requireWhole('maxExecutionEnvironments', options.maxExecutionEnvironments, 0, MAX_EXECUTION_ENVIRONMENTS, 'Lambda\'s range');
  if (options.maxExecutionEnvironments !== undefined && !Token.isUnresolved(options.maxExecutionEnvironments)
    && !Token.isUnresolved(minExecutionEnvironments) && options.maxExecutionEnvironments < minExecutionEnvironments) {
    throw new Error(`managedInstances.maxExecutionEnvironments: ${options.maxExecutionEnvironments} is less than minExecutionEnvironments ${minExecutionEnvironments}`);
  }
  requireWhole('maxVcpuCount', options.maxVcpuCount, VCPU_COUNT_RANGE.min, VCPU_COUNT_RANGE.max, 'Lambda\'s range for a capacity provider');
  const memoryPerVcpuGib = GIB_PER_VCPU[options.memoryPerVcpu ?? MemoryPerVcpu.TWO_GIB];
  return {
    maxConcurrency,
    memoryPerVcpuGib,
    compute: managedInstancesCompute(memoryPerVcpuGib),
    minExecutionEnvironments,
    maxExecutionEnvironments: options.maxExecutionEnvironments,
  };
}

/** cdk-nag's finding for the operator role's AWS managed policy. */
const OPERATOR_POLICY_FINDING = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]';

/**
 * aws-cdk-lib's operator role carries AWS's managed policy: it holds the EC2 actions Lambda needs to launch and
 * manage the instances, and AWS extends it as the service changes (it did twice in 2026), so a copy of its
 * statements in a policy of the construct's own would go stale and break instance launches. The finding is
 * acknowledged on that role, for that policy only. `Validations.acknowledge` refuses an id with more than one
 * "::" (the policy ARN has several), so the acknowledgement is recorded the way it records one itself.
 */
function acknowledgeOperatorPolicy(operatorRole: IConstruct): void {
  operatorRole.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, {
    [`annotation::${OPERATOR_POLICY_FINDING}`]: 'The operator role of a Lambda Managed Instances capacity provider uses AWS\'s AWSLambdaManagedEC2ResourceOperator policy, which AWS keeps up to date with the EC2 actions Lambda needs to run the instances; a copy would go stale.',
  });
}

/** Where the function's execution environments run. */
export interface ManagedInstancesPlacement {
  readonly capacityProvider: lambda.ICapacityProvider;
  /** The security groups of the instances, when the construct knows them (its own capacity provider). */
  readonly connections?: ec2.Connections;
}

/**
 * The given capacity provider, or one of the construct's own in the private subnets of `vpc`, for the
 * function's architecture, with the given security groups or a group that allows outbound traffic only (the
 * instances pull the image and reach the Lambda service; nothing connects to them).
 */
export function capacityProviderFor(scope: Construct, options: ManagedInstancesOptions, network: NetworkPlacement | undefined,
  architecture: lambda.Architecture): ManagedInstancesPlacement {
  if (options.capacityProvider) {
    return { capacityProvider: options.capacityProvider };
  }
  const vpc = network!.vpc;
  const securityGroups = network!.securityGroups ?? [new ec2.SecurityGroup(scope, 'InstancesSecurityGroup', {
    vpc,
    description: `Instances of the Lambda Managed Instances capacity provider of ${scope.node.id}: outbound only`,
    allowAllOutbound: true,
  })];
  const capacityProvider = new lambda.CapacityProvider(scope, 'CapacityProvider', {
    subnets: vpc.selectSubnets(network!.vpcSubnets).subnets,
    securityGroups,
    architectures: [architecture],
    maxVCpuCount: options.maxVcpuCount,
  });
  acknowledgeOperatorPolicy(capacityProvider.node.findChild('OperatorRole'));
  return { capacityProvider, connections: new ec2.Connections({ securityGroups }) };
}

/**
 * Puts the function on the capacity provider, with the concurrency and memory ratio set explicitly (aws-cdk-lib's
 * documented defaults for both differ from the service's), and the published version's execution environments.
 * The CloudFormation properties are set directly, as `CapacityProvider.addFunction` would, because a given
 * provider is an `ICapacityProvider`, which has no `addFunction`.
 */
export function runOnManagedInstances(fn: lambda.Function, version: lambda.Version, capacityProvider: lambda.ICapacityProvider,
  settings: ManagedInstancesSettings): void {
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  cfnFunction.capacityProviderConfig = {
    lambdaManagedInstancesCapacityProviderConfig: {
      capacityProviderArn: capacityProvider.capacityProviderArn,
      perExecutionEnvironmentMaxConcurrency: settings.maxConcurrency,
      executionEnvironmentMemoryGiBPerVCpu: settings.memoryPerVcpuGib,
    },
  };
  // The alias `live` points at the numbered version the construct publishes. Without this, Lambda would also
  // publish $LATEST.PUBLISHED (its default for functions created by CloudFormation), a second published copy
  // with execution environments of its own.
  cfnFunction.publishToLatestPublished = false;
  (version.node.defaultChild as lambda.CfnVersion).functionScalingConfig = {
    minExecutionEnvironments: settings.minExecutionEnvironments,
    maxExecutionEnvironments: settings.maxExecutionEnvironments,
  };
}
