export * from './llm-function-url';
export * from './llm-function-url-props';
export * from './models/llm-model';
export * from './models/llm-model-kind';
export * from './models/embedding-pooling';
export * from './images/llm-image';
export * from './managed-instances/managed-instances-options';
