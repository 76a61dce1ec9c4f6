// A loopback stand-in for Secrets Manager's GetSecretValue (JSON 1.1 over HTTP), so local mode and integration tests
// run the real SDK and the real Powertools provider. No local engine for Secrets Manager exists; this speaks just
// the one call the refresher makes. Point AWS_ENDPOINT_URL_SECRETS_MANAGER at it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type SecretFault =
  | 'AccessDeniedException'
  | 'ThrottlingException'
  | 'InternalServiceError'
  | 'DecryptionFailure';

export class SecretsStub {
  readonly secrets = new Map<string, string>();
  readonly faults = new Map<string, SecretFault>();
  calls = 0;

  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
  ) {}

  static async start(
    initial: Record<string, string | { clientId: string; clientSecret: string }> = {},
  ): Promise<SecretsStub> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stub = new SecretsStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    for (const [id, value] of Object.entries(initial)) stub.put(id, value);
    server.on('request', (req, res) => stub.handle(req, res));
    return stub;
  }

  put(id: string, value: string | { clientId: string; clientSecret: string }): void {
    this.secrets.set(id, typeof value === 'string' ? value : JSON.stringify(value));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    if (target !== 'secretsmanager.GetSecretValue') {
      reply(
        400,
        { __type: 'UnknownOperationException', message: `this stub only serves GetSecretValue, not ${target}` },
        'UnknownOperationException',
      );
      return;
    }
    this.calls++;
    let secretId = '';
    try {
      secretId = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).SecretId ?? '');
    } catch {
      reply(400, { __type: 'InvalidRequestException', message: 'body is not JSON' }, 'InvalidRequestException');
      return;
    }
    const fault = this.faults.get(secretId);
    if (fault) {
      const status = fault === 'InternalServiceError' ? 500 : 400;
      reply(status, { __type: fault, message: `${fault} for ${secretId}` }, fault);
      return;
    }
    const value = this.secrets.get(secretId);
    if (value === undefined) {
      reply(
        400,
        { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
        'ResourceNotFoundException',
      );
      return;
    }
    reply(200, {
      ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}-AbCdEf`,
      Name: secretId,
      SecretString: value,
      VersionId: '00000000-0000-0000-0000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
