#!/usr/bin/env node
// One version per dependency (`pnpm lint` runs this): fails when two package.json files of the
// workspace name the same dependency with different ranges, when a dependency that several of
// them name has no entry in the catalog of pnpm-workspace.yaml, or when `catalog:` names an entry
// the catalog lacks. A `catalog:` specifier counts as the catalog's range, so a package that
// still spells the same range out agrees with one that says `catalog:`; a bump of the catalog
// then fails here until that package follows.
//
//   node scripts/check-dependency-versions.mjs [workspace root]   (default: this repository)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];

/** The package.json files of the workspace: the root's and those its `packages:` globs match (`dir/*` only, all this repo uses). */
function manifests(root, workspace) {
  const files = [join(root, 'package.json')];
  for (const pattern of workspace.packages ?? []) {
    const glob = /^([^*]+)\/\*$/.exec(pattern);
    if (!glob) throw new Error(`pnpm-workspace.yaml: this check only understands "<folder>/*" patterns, not "${pattern}"`);
    const dir = join(root, glob[1]);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name, 'package.json');
      if (entry.isDirectory() && existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** The range a specifier stands for: the catalog's for `catalog:` / `catalog:<name>`, else itself. */
function rangeOf(name, specifier, workspace) {
  const catalogName = /^catalog:(.*)$/.exec(specifier)?.[1];
  if (catalogName === undefined) return { range: specifier };
  const catalog = catalogName === '' || catalogName === 'default' ? (workspace.catalog ?? workspace.catalogs?.default) : workspace.catalogs?.[catalogName];
  const range = catalog?.[name];
  return range === undefined ? { problem: `"${specifier}" but the ${catalogName || 'default'} catalog has no ${name}` } : { range };
}

function inCatalog(name, workspace) {
  return [workspace.catalog, ...Object.values(workspace.catalogs ?? {})].some((catalog) => catalog?.[name] !== undefined);
}

export function dependencyProblems(root) {
  const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) ?? {};
  const problems = [];
  /** dependency name → where it is named → the range it stands for */
  const uses = new Map();
  for (const file of manifests(root, workspace)) {
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const where = relative(root, file);
    for (const field of FIELDS) {
      for (const [name, specifier] of Object.entries(manifest[field] ?? {})) {
        // Workspace packages are linked, not versioned: there is nothing to keep in step.
        if (specifier.startsWith('workspace:')) continue;
        const { range, problem } = rangeOf(name, specifier, workspace);
        if (problem) problems.push(`${where} ${field}: ${name} is ${problem}`);
        else uses.set(name, [...(uses.get(name) ?? []), { where: `${where} (${specifier})`, range }]);
      }
    }
  }
  for (const [name, named] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
    if (named.length < 2) continue;
    const listing = named.map((n) => n.where).join(', ');
    if (new Set(named.map((n) => n.range)).size > 1) {
      problems.push(`${name} has more than one range: ${listing}; give it one in the catalog of pnpm-workspace.yaml and say "catalog:" in each`);
    } else if (!inCatalog(name, workspace)) {
      problems.push(`${name} is named by ${named.length} package.json files but is not in the catalog: add it to the catalog of pnpm-workspace.yaml and say "catalog:" in ${listing}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = dependencyProblems(root);
  for (const problem of problems) console.error(`✗ ${problem}`);
  if (problems.length > 0) {
    console.error(`${problems.length} dependency version problem${problems.length === 1 ? '' : 's'}: one range per dependency, from the catalog (see pnpm-workspace.yaml)`);
    process.exit(1);
  }
  console.log('✓ every dependency named by more than one package.json has one range, from the catalog');
}
