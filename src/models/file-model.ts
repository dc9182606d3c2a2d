import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { BuildArg, ModelSourceArg, MODEL_PATH_IN_IMAGE, RuntimeEnv, STAGED_MODEL_FILE } from '../runtime-contract';
import { GgufModelInfo, readGgufModelInfo } from './gguf-header';
import { LlmModel } from './llm-model';
import { LlmModelConfig } from './model-config';
import { modelIdFromName } from './model-name';
import { kvCacheBytesPerToken } from '../sizing/kv-cache';

/** A local GGUF file baked into the image (see {@link LlmModel.fromFile}). */
export class FileModel extends LlmModel {
  private readonly file: string;
  private readonly sizeBytes: number;
  private readonly info: GgufModelInfo;

  constructor(file: string) {
    super();
    this.file = path.resolve(file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch (e) {
      throw new Error(`LlmModel.fromFile: cannot read ${this.file}: ${(e as Error).message}`);
    }
    if (!stat.isFile()) {
      throw new Error(`LlmModel.fromFile: ${this.file} is not a file`);
    }
    this.sizeBytes = stat.size;
    try {
      this.info = readGgufModelInfo(this.file);
    } catch (e) {
      throw new Error(`LlmModel.fromFile: ${(e as Error).message}`);
    }
  }

  /** @internal */
  public _bind(_scope: Construct): LlmModelConfig {
    return {
      sizeBytes: this.sizeBytes,
      defaultModelId: modelIdFromName(this.file),
      localFile: this.file,
      downloadsAtStart: false,
      builtIntoImage: true,
      buildArgs: {
        [BuildArg.MODEL_SOURCE]: ModelSourceArg.FILE,
        [BuildArg.MODEL_FILE]: STAGED_MODEL_FILE,
        // The size read at synth, which sized the function: a file that grew before the build is refused.
        [BuildArg.MODEL_MAX_BYTES]: String(this.sizeBytes),
      },
      environment: { [RuntimeEnv.MODEL_PATH]: MODEL_PATH_IN_IMAGE },
      kvCacheBytesPerToken: this.info.kvCache ? kvCacheBytesPerToken(this.info.kvCache) : undefined,
      trainedContextLength: this.info.trainedContextLength,
      kind: this.info.kind,
      embeddingTraits: this.info.embedding,
      vocabularySize: this.info.vocabularySize,
    };
  }
}
