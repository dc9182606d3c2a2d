import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BuildArg, ModelSourceArg, RuntimeEnv } from '../runtime-contract';
import { DeclaredKind } from './embedding-traits';
import { LlmModel, LlmModelBucketOptions } from './llm-model';
import { LlmModelConfig } from './model-config';
import { declaredKind, modelIdFromName, optionalKvBytesPerToken, positiveBytes } from './model-name';
import { parseSha256 } from './sha256';

/** S3 version ids are opaque, up to 1,024 bytes; "null" is the version of objects written before versioning. */
const VERSION_ID_PATTERN = /^[\w.+/=-]{1,1024}$/;

/** A GGUF object in S3, fetched into /tmp at each cold start (see {@link LlmModel.fromBucket}). */
export class BucketModel extends LlmModel {
  private readonly sizeBytes: number;
  private readonly kvBytesPerToken?: number;
  private readonly declared: DeclaredKind;
  private readonly objectVersion?: string;
  private readonly sha256?: string;

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
    this.declared = declaredKind('LlmModel.fromBucket', options);
    if (options.objectVersion !== undefined && !Token.isUnresolved(options.objectVersion) && !VERSION_ID_PATTERN.test(options.objectVersion)) {
      throw new Error(`LlmModel.fromBucket: objectVersion ${JSON.stringify(options.objectVersion)} is not an S3 version id (1-1024 letters, digits or . _ - + / =)`);
    }
    this.objectVersion = options.objectVersion;
    this.sha256 = options.sha256 === undefined ? undefined : parseSha256('LlmModel.fromBucket: sha256', options.sha256);
  }

  /** @internal */
  public _bind(_scope: Construct): LlmModelConfig {
    const statements = [new iam.PolicyStatement({
      sid: 'ReadModelObject',
      // Reading a given version is its own permission; without one the function may read only the current one.
      actions: [this.objectVersion === undefined ? 's3:GetObject' : 's3:GetObjectVersion'],
      resources: [this.bucket.arnForObjects(this.key)],
    })];
    if (this.bucket.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptModelObject',
        actions: ['kms:Decrypt'],
        resources: [this.bucket.encryptionKey.keyArn],
      }));
    }
    const environment: { [name: string]: string } = {
      [RuntimeEnv.MODEL_S3_BUCKET]: this.bucket.bucketName,
      [RuntimeEnv.MODEL_S3_KEY]: this.key,
    };
    if (this.objectVersion !== undefined) environment[RuntimeEnv.MODEL_S3_VERSION_ID] = this.objectVersion;
    if (this.sha256 !== undefined) environment[RuntimeEnv.MODEL_SHA256] = this.sha256;
    return {
      sizeBytes: this.sizeBytes,
      defaultModelId: Token.isUnresolved(this.key) ? 'model' : modelIdFromName(this.key),
      downloadsAtStart: true,
      buildArgs: { [BuildArg.MODEL_SOURCE]: ModelSourceArg.NONE },
      environment,
      kvCacheBytesPerToken: this.kvBytesPerToken,
      kind: this.declared.kind,
      embeddingTraits: this.declared.traits,
      vocabularySize: this.declared.vocabularySize,
      policyStatements: statements,
    };
  }
}
