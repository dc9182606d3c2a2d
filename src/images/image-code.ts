import * as path from 'path';
import { Names, Stage } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LlmImage } from './llm-image';
import { LlmModelConfig } from '../models/model-config';
import { BuildArg, SNAPSTART_BUILD_TARGET } from '../runtime-contract';
import { stageBuildContext } from '../staging/build-context';

/** Where the packaged runtime (Dockerfile, dist/, package.json, lockfile) sits relative to lib/images/. */
const RUNTIME_DIR = path.join(__dirname, '..', '..', 'runtime');

/** The props that decide the function's image. */
export interface ImageChoice {
  readonly image?: LlmImage;
  readonly baseImage?: string;
  readonly lambdaWebAdapterImage?: string;
  readonly architecture: lambda.Architecture;
  /** Build the Dockerfile's SnapStart target (the image labelled for SnapStart). */
  readonly snapStart: boolean;
}

/** The platforms node-llama-cpp ships a Linux binary for that Lambda also runs (runtime/Dockerfile checks the same). */
const SUPPORTED_PLATFORMS = ['linux/amd64', 'linux/arm64'];

/**
 * The platform to build the image for, read from the architecture itself: comparing objects would take a
 * custom architecture, or one from a second copy of aws-cdk-lib, for ARM_64 and build the wrong image.
 */
export function imagePlatform(architecture: lambda.Architecture): ecrAssets.Platform {
  if (!SUPPORTED_PLATFORMS.includes(architecture.dockerPlatform)) {
    throw new Error(`architecture: ${architecture.name} (${architecture.dockerPlatform}) has no node-llama-cpp binary that Lambda can run; use lambda.Architecture.ARM_64 or X86_64`);
  }
  return ecrAssets.Platform.custom(architecture.dockerPlatform);
}

/**
 * The function's image: the prebuilt one when given, else the bundled runtime built at deploy time with
 * the model's build args. Refuses combinations in which a prop would be silently ignored.
 */
export function imageCode(scope: Construct, model: LlmModelConfig, choice: ImageChoice): lambda.DockerImageCode {
  if (choice.image) {
    if (model.builtIntoImage) {
      throw new Error('model: LlmModel.fromFile and LlmModel.fromUrl build the model into an image during cdk deploy, which a prebuilt image skips; with image, use LlmModel.fromImage (the model inside it) or LlmModel.fromBucket');
    }
    for (const [prop, value] of Object.entries({ baseImage: choice.baseImage, lambdaWebAdapterImage: choice.lambdaWebAdapterImage })) {
      if (value !== undefined) {
        throw new Error(`${prop}: applies only when the construct builds the image; a prebuilt image (image) already contains it`);
      }
    }
    return choice.image._bind();
  }
  if (model.requiresPrebuiltImage) {
    throw new Error('model: LlmModel.fromImage serves the model inside a prebuilt image, but no image is given; pass image: LlmImage.fromEcr(repository, { tagOrDigest })');
  }
  const outdir = Stage.of(scope)?.outdir;
  if (!outdir) {
    throw new Error('LlmFunctionUrl must be inside an App or Stage (it stages the image\'s build context in the cloud assembly)');
  }
  // One folder per construct in the cloud assembly: beside the model on the same disk (so the model can be
  // hard-linked, not copied) and at a stable path (so CDK's fingerprint cache skips re-hashing it).
  const contextDir = stageBuildContext({
    runtimeDir: RUNTIME_DIR,
    contextDir: path.join(outdir, 'llm-function-url', Names.uniqueId(scope)),
    modelFile: model.localFile,
  });
  const buildArgs: { [name: string]: string } = { ...model.buildArgs };
  if (choice.baseImage) buildArgs[BuildArg.BASE_IMAGE] = choice.baseImage;
  if (choice.lambdaWebAdapterImage) buildArgs[BuildArg.LWA_IMAGE] = choice.lambdaWebAdapterImage;
  return lambda.DockerImageCode.fromImageAsset(contextDir, {
    platform: imagePlatform(choice.architecture),
    buildArgs,
    // The labelled stage: Lambda publishes SnapStart versions only of images that allow it.
    target: choice.snapStart ? SNAPSTART_BUILD_TARGET : undefined,
  });
}
