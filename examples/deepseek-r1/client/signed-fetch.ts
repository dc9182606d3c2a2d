import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Options for {@link createSignedFetch}. */
export interface SignedFetchOptions {
  /** The Region the Function URL lives in (the `lambda-url.<region>.on.aws` part of its host). */
  readonly region: string;
  /** Credentials to sign with. Default: the AWS SDK's default chain (env, profile, SSO, instance role). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The fetch that sends the signed request. Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * A `fetch` that signs every request with AWS Signature Version 4 for the `lambda` service, so it can
 * call a Function URL whose auth type is AWS_IAM. Pass it to any client that accepts a custom fetch,
 * e.g. `new OpenAI({ baseURL: `${url}v1`, apiKey: 'iam', fetch: createSignedFetch({ region }) })`.
 */
export function createSignedFetch(options: SignedFetchOptions): typeof fetch {
  const signer = new SignatureV4({
    service: 'lambda',
    region: options.region,
    credentials: options.credentials ?? fromNodeProviderChain(),
    sha256: Sha256,
  });
  const send = options.fetch ?? fetch;

  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    // The signature covers the body, so read it once as text (LLM requests are small JSON documents).
    const body = request.body ? await request.text() : undefined;
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((value, name) => {
      // A bearer placeholder from an OpenAI client must not reach the Function URL next to SigV4.
      if (name !== 'authorization') headers[name] = value;
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, name) => { query[name] = value; });

    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body,
    });
    return send(url, { method: request.method, headers: signed.headers, body, signal: init?.signal ?? request.signal });
  };
}

/** The Region of a Function URL, read from its host name (`<id>.lambda-url.<region>.on.aws`). */
export function regionOfFunctionUrl(functionUrl: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(new URL(functionUrl).hostname)?.[1];
}
