import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { streamChat } from '../../examples/deepseek-r1/client/chat';
import { createSignedFetch, regionOfFunctionUrl } from '../../examples/deepseek-r1/client/signed-fetch';
import { startServer } from '../runtime/harness';
import { scriptedModel } from '../runtime/models';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };

interface Captured { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

/** A local HTTP server that records each request and answers 200 `{}`. */
async function recordingServer(): Promise<{ url: string; requests: Captured[]; close: () => Promise<void> }> {
  const requests: Captured[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const sha256 = (data: string) => crypto.createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();

/** Recomputes a SigV4 signature from what the server received, independently of the signer under test. */
function expectedSignature(request: Captured, region: string, service: string): string {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/
    .exec(String(request.headers.authorization));
  if (!auth) throw new Error(`not a SigV4 Authorization header: ${request.headers.authorization}`);
  const [, , date, scopeRegion, scopeService, signedHeaders] = auth;
  expect([scopeRegion, scopeService]).toEqual([region, service]);
  const url = new URL(request.url, 'http://placeholder');
  const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&');
  const canonicalHeaders = signedHeaders.split(';').map((name) => `${name}:${String(request.headers[name]).trim()}\n`).join('');
  const canonicalRequest = [request.method, url.pathname, query, canonicalHeaders, signedHeaders, sha256(request.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', String(request.headers['x-amz-date']), scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

describe('examples/deepseek-r1 client', () => {
  test('signs requests for the lambda service with a signature that covers the body', async () => {
    const server = await recordingServer();
    try {
      const signedFetch = createSignedFetch({ region: 'eu-west-1', credentials: CREDENTIALS });
      const body = JSON.stringify({ prompt: 'Explain quantum computing' });
      const response = await signedFetch(`${server.url}/v1/chat/completions?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'authorization': 'Bearer placeholder' },
        body,
      });
      expect(response.status).toBe(200);

      const [request] = server.requests;
      expect(request.body).toBe(body);
      expect(request.headers['x-amz-security-token']).toBe('session-token');
      expect(String(request.headers.authorization)).not.toContain('Bearer');
      const signature = String(request.headers.authorization).split('Signature=')[1];
      expect(signature).toBe(expectedSignature(request, 'eu-west-1', 'lambda'));

      // The same check fails for a body the signature does not cover.
      expect(expectedSignature({ ...request, body: `${body} ` }, 'eu-west-1', 'lambda')).not.toBe(signature);
    } finally {
      await server.close();
    }
  });

  test('reads the Region from a Function URL', () => {
    expect(regionOfFunctionUrl('https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws/')).toBe('ap-southeast-2');
    expect(regionOfFunctionUrl('http://127.0.0.1:8080/')).toBeUndefined();
  });

  test('the OpenAI SDK with the signing fetch streams an answer from the real runtime', async () => {
    const model = await scriptedModel();
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
    const previous = { ...process.env };
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
    try {
      let printed = '';
      const sink = new Writable({ write(chunk, _encoding, done) { printed += chunk; done(); } });
      const answer = await streamChat(`http://127.0.0.1:${server.port}/`, 'What is the answer?', sink);
      expect(answer).toBe(model.answer);
      expect(printed).toContain(model.reasoning);
    } finally {
      process.env = previous;
      await server.stop();
    }
  });
});
