import { Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** A tag as ECR accepts it, or an image digest. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * Options for {@link LlmImage.fromEcr}.
 */
export interface LlmImageEcrOptions {
  /**
   * The image tag, or its digest (`sha256:` and 64 hexadecimal characters). Prefer a digest: it pins
   * exactly what runs, and a new digest is a change CloudFormation deploys. A tag is resolved only when the
   * function's image URI changes: pushing a new image under the same tag and deploying again updates nothing
   * (and with `snapStart` publishes no new version), and Lambda keeps the image it resolved before.
   */
  readonly tagOrDigest: string;
}

/**
 * The container image of the function, when it is not built at deploy time.
 *
 * By default `LlmFunctionUrl` builds its bundled runtime (`runtime/Dockerfile`) with Docker during
 * `cdk deploy`. A pipeline without Docker or QEMU can instead build that Dockerfile once elsewhere, push
 * the image to ECR and pass it here. The image must be built from this package's `runtime/` for the
 * function's architecture; it serves either the model baked into it (`LlmModel.fromImage`) or one from
 * S3 (`LlmModel.fromBucket`).
 */
export abstract class LlmImage {
  /**
   * An image in an ECR repository.
   *
   * @param repository the repository holding the image
   * @param options the tag or digest to run
   */
  public static fromEcr(repository: ecr.IRepository, options: LlmImageEcrOptions): LlmImage {
    return new EcrImage(repository, options);
  }

  /**
   * The Lambda code of this image. Internal: the construct decides how it is used.
   *
   * @internal
   */
  public abstract _bind(): lambda.DockerImageCode;
}

class EcrImage extends LlmImage {
  constructor(private readonly repository: ecr.IRepository, private readonly options: LlmImageEcrOptions) {
    super();
    const value = options.tagOrDigest;
    if (!Token.isUnresolved(value) && !TAG_PATTERN.test(value) && !DIGEST_PATTERN.test(value)) {
      throw new Error(`LlmImage.fromEcr: tagOrDigest ${JSON.stringify(value)} is neither an image tag (1-128 letters, digits, _ . -) nor a digest (sha256: and 64 hexadecimal characters)`);
    }
  }

  /** @internal */
  public _bind(): lambda.DockerImageCode {
    return lambda.DockerImageCode.fromEcr(this.repository, { tagOrDigest: this.options.tagOrDigest });
  }
}
