/**
 * The CRDs a validation needs could not be found or fetched. Its message is one line naming the
 * missing sets, where they were looked for, and how to provide them: the CLI prints it as a usage
 * error (exit 2) instead of reporting every custom resource as unchecked.
 */
export class SchemasUnavailableError extends Error {
  override name = 'SchemasUnavailableError';
}
