/**
 * A transport for the real AWS SDK clients that never leaves the process: it records each HTTP
 * request the SDK's own serializer built and answers with what the test says. Unlike
 * aws-sdk-client-mock, which replaces `send`, everything between `send` and the wire runs for
 * real: serialization, signing, retries with the SDK's retry strategy, deserialization of errors.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: string;
}

export interface FakeResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export function fakeHttp(respond: (request: RecordedRequest, index: number) => FakeResponse) {
  const requests: RecordedRequest[] = [];
  const handler = {
    async handle(request: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) {
      const recorded: RecordedRequest = {
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers: { ...request.headers },
        // The SDK's JSON body is bytes that also answer string methods (with a warning): read the bytes.
        body: request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : typeof request.body === 'string' ? request.body : '',
      };
      requests.push(recorded);
      const answer = respond(recorded, requests.length - 1);
      return {
        response: {
          statusCode: answer.statusCode,
          reason: '',
          headers: { 'content-type': 'application/x-amz-json-1.1', ...answer.headers },
          body: Buffer.from(answer.body ?? '{}'),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
  return { requests, handler };
}

/** Static credentials and a region, so nothing is looked up on the machine. */
export const OFFLINE = {
  region: 'us-west-2',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
} as const;
