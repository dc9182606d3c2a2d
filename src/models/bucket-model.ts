import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BuildArg, ModelSourceArg, RuntimeEnv } from '../runtime-contract';
import { LlmModel, LlmModelBucketOptions, LlmModelConfig } from './llm-model';
import { modelIdFromName, optionalKvBytesPerToken, positiveBytes } from './model-name';

/** A GGUF object in S3, fetched into /tmp at each cold start (see {@link LlmModel.fromBucket}). */
export class BucketModel extends LlmModel {
  private readonly sizeBytes: number;
  private readonly kvBytesPerToken?: number;

  constructor(private readonly bucket: s3.IBucket, private readonly key: string, options: LlmModelBucketOptions) {
    super();
    if (!Token.isUnresolved(key) && (key === '' || key.startsWith('/'))) {
      throw new Error(`LlmModel.fromBucket: key ${JSON.stringify(key)} is not an S3 object key (it must be non-empty and must not start with "/")`);
    }
    if (options.size.isUnresolved()) {
      throw new Error('LlmModel.fromBucket: size must be known at synth, not a token');
    }
    this.sizeBytes = positiveBytes('LlmModel.fromBucket: size', Math.ceil(options.size.toBytes({ rounding: SizeRoundingBehavior.NONE })));
    this.kvBytesPerToken = optionalKvBytesPerToken(options.kvCacheBytesPerToken);
  }

  public bind(_scope: Construct): LlmModelConfig {
    const statements = [new iam.PolicyStatement({
      sid: 'ReadModelObject',
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(this.key)],
    })];
    if (this.bucket.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptModelObject',
        actions: ['kms:Decrypt'],
        resources: [this.bucket.encryptionKey.keyArn],
      }));
    }
    return {
      sizeBytes: this.sizeBytes,
      defaultModelId: Token.isUnresolved(this.key) ? 'model' : modelIdFromName(this.key),
      downloadsAtStart: true,
      buildArgs: { [BuildArg.MODEL_SOURCE]: ModelSourceArg.NONE },
      environment: {
        [RuntimeEnv.MODEL_S3_BUCKET]: this.bucket.bucketName,
        [RuntimeEnv.MODEL_S3_KEY]: this.key,
      },
      kvCacheBytesPerToken: this.kvBytesPerToken,
      policyStatements: statements,
    };
  }
}
