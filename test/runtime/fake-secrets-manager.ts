/**
 * A local stand-in for AWS Secrets Manager that speaks its JSON protocol (POST /, X-Amz-Target
 * secretsmanager.GetSecretValue, application/x-amz-json-1.1), so the server's real AWS SDK call can be
 * tested with dummy credentials through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
import * as http from 'node:http';
import { freePort } from './harness';

export interface RecordedCall {
  readonly target: string | undefined;
  readonly authorization: string | undefined;
  readonly body: any;
}

export class FakeSecretsManager {
  static async start(secrets: Record<string, string>): Promise<FakeSecretsManager> {
    const port = await freePort();
    const server = http.createServer();
    const fake = new FakeSecretsManager(server, port, new Map(Object.entries(secrets)));
    server.on('request', (req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return fake;
  }

  readonly calls: RecordedCall[] = [];

  private constructor(private readonly server: http.Server, readonly port: number, private readonly secrets: Map<string, string>) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The environment that points the server's SDK here, with credentials that sign but mean nothing. */
  env(secretArn: string): Record<string, string> {
    return {
      LLM_API_KEY_SECRET_ARN: secretArn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLETEST00000',
      AWS_SECRET_ACCESS_KEY: 'dummy-secret-access-key',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** Changes a secret's value, as a rotation would. */
  setSecret(secretArn: string, value: string): void {
    this.secrets.set(secretArn, value);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const target = req.headers['x-amz-target'] as string | undefined;
      this.calls.push({ target, authorization: req.headers.authorization, body });
      const reply = (status: number, payload: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': 'fake-request-id',
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnknownOperationException', message: `unexpected ${req.method} ${target}` }, 'UnknownOperationException');
        return;
      }
      const secretId = typeof body?.SecretId === 'string' ? body.SecretId as string : '';
      const secret = this.secrets.get(secretId);
      if (secret === undefined) {
        reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
        return;
      }
      reply(200, { ARN: secretId, Name: secretId.split(':').pop(), SecretString: secret, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_700_000_000 });
    });
  }
}
