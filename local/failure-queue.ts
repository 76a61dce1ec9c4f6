// An in-memory stand-in for the refresher's on-failure destination (an SQS queue; no local engine exists). Lambda
// sends it one record per asynchronous invocation it gave up on, in Lambda's documented destination format; on-call
// reads it (`aws sqs receive-message`) and purges it (`aws sqs purge-queue`), and CloudWatch sees its depth as
// ApproximateNumberOfMessagesVisible.

export interface FailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    /** Why Lambda gave up: every attempt failed, or the event waited longer than the maximum event age. */
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext?: { statusCode: number; executedVersion: string; functionError: string };
  responsePayload?: { errorType: string; errorMessage: string };
}

export class FailureQueueStandIn {
  readonly #messages: { id: number; body: FailureRecord; sentAt: number }[] = [];
  #nextId = 1;
  sent = 0;

  send(body: FailureRecord, at: number): void {
    this.#messages.push({ id: this.#nextId++, body, sentAt: at });
    this.sent++;
  }

  /** `aws sqs receive-message`: a look at the oldest messages (they stay in the queue). */
  receive(max = 1): FailureRecord[] {
    return this.#messages.slice(0, max).map((m) => m.body);
  }

  /** `aws sqs purge-queue`. */
  purge(): number {
    return this.#messages.splice(0).length;
  }

  /** ApproximateNumberOfMessagesVisible. */
  get visible(): number {
    return this.#messages.length;
  }
}
