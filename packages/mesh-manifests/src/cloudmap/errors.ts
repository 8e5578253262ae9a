/**
 * AWS failures as the one line a learner can act on. Missing credentials, a missing region and
 * AccessDenied stop the whole command (every later call would fail the same way); anything else is
 * reported for the one namespace or service it concerns.
 */

export class CloudMapError extends Error {
  override name = 'CloudMapError';
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

/** A failure no later call can get past: one line, or undefined when the error is about one object only. */
export function fatalMessage(error: unknown): string | undefined {
  const name = nameOf(error);
  const message = firstLine(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure`, then run this again';
  }
  if (/Region is missing/i.test(message)) {
    return 'no AWS region: pass --region <region>, or set AWS_REGION (or a region in your AWS profile)';
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    return `access denied: ${message} — your credentials need the servicediscovery permissions this command uses (ListNamespaces, ListServices, Create*, GetOperation, ListInstances, GetInstancesHealthStatus)`;
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'ExpiredTokenException') {
    return `AWS rejected your credentials (${name}): ${message} — refresh them (e.g. \`aws sso login\`) and run this again`;
  }
  return undefined;
}

/** One line for a failure that concerns one object; the caller names the object. */
export function objectMessage(error: unknown): string {
  const name = nameOf(error);
  const message = firstLine(error);
  if (name === 'NamespaceAlreadyExists' || name === 'ConflictingDomainExists') {
    return `a namespace of that name already exists where Cloud Map looked (${name}): ${message} — delete it, or deploy to another region or VPC`;
  }
  if (name === 'ThrottlingException' || name === 'RequestLimitExceeded') {
    return `still throttled after the SDK's retries (${name}): wait a minute and run this again`;
  }
  if (name === 'ResourceLimitExceeded') return `a Cloud Map quota is reached (${name}): ${message}`;
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}
