/**
 * Where the tests read the CRDs, and what a test that needs them does when they are not there.
 * The tests never download: they read `AMW_SCHEMAS_DIR`, else the schemas folder that development
 * machines and CI keep beside the repository. Under `CI=true` a missing set fails the run, as a
 * missing database or kubectl does; elsewhere the tests that need it skip and say why.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { ALL_SCHEMA_SETS, availableSchemaSets, type SchemaSet } from '../src/validate/crds.js';

export const TEST_SCHEMAS_DIRECTORY = process.env.AMW_SCHEMAS_DIR
  ? resolve(process.env.AMW_SCHEMAS_DIR)
  : resolve(repositoryRoot(), '..', 'shared', 'schemas');

const inCi = process.env.CI === 'true';

export interface TestSchemas {
  directory: string;
  /** Needed sets the directory lacks. */
  missing: SchemaSet[];
}

export function testSchemas(needed: readonly SchemaSet[] = ALL_SCHEMA_SETS): TestSchemas {
  const present = availableSchemaSets(TEST_SCHEMAS_DIRECTORY);
  return { directory: TEST_SCHEMAS_DIRECTORY, missing: needed.filter((set) => !present.includes(set)) };
}

/**
 * For tests that need sets the directory lacks: under CI a failing test naming them; elsewhere a
 * skipped test whose name says why, and the same line on stderr so the default reporter shows it.
 */
export function reportMissingSchemas(what: string, schemas: TestSchemas): void {
  const why = `${schemas.missing.join(', ')} not in ${schemas.directory}: set AMW_SCHEMAS_DIR to a folder of the CRDs`;
  if (inCi) {
    it(`${what}: the CRDs are there (CI must have them)`, () => {
      expect.fail(why);
    });
    return;
  }
  console.warn(`skipping ${what}: ${why}`);
  it.skip(`${what} (skipped: ${why})`, () => {});
}

/** A describe block that runs `body` with the schemas directory when the needed sets are there. */
export function describeWithCrds(title: string, needed: readonly SchemaSet[], body: (directory: string) => void): void {
  const schemas = testSchemas(needed);
  describe(title, () => {
    if (schemas.missing.length) reportMissingSchemas(title, schemas);
    else body(schemas.directory);
  });
}
