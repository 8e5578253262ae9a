/**
 * Emits transport B's sidecar (bench/transport-undici-main.ts and the two modules it uses) as
 * JavaScript for the transport A/B, with every `../src/…` import pointed at the same file in
 * dist/. Transport A runs dist/process/proxy-main.js; B must run the same build of `HttpProxy`
 * and the same way: a sidecar started under tsx would carry a TypeScript loader (a second module
 * thread and esbuild) in the memory being compared, and could run newer src/ than A's dist/.
 *
 * The files go to node_modules/.cache/ under this package, as `.mjs` (node_modules has no
 * package.json saying `"type": "module"`), so that `undici` and `@amw/service-kit/core` resolve
 * from this package's dependencies exactly as dist/ resolves them.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ENTRY = 'transport-undici-main.ts';
const SOURCES = [ENTRY, 'transport-undici-cluster.ts', 'transport-node-exchange.ts'];
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\2/g;

export interface BuiltSidecar {
  /** The entry to give `node`. */
  entry: string;
  remove(): Promise<void>;
}

export async function buildUndiciSidecar(packageDir: string): Promise<BuiltSidecar> {
  const cache = join(packageDir, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'transport-ab-'));
  try {
    for (const file of SOURCES) {
      const source = await readFile(join(packageDir, 'bench', file), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        fileName: file,
        // As tsconfig.build.json compiles dist/ (tsconfig.base.json's target).
        compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
      });
      const missing: string[] = [];
      const text = outputText.replace(SPECIFIER, (whole, lead: string, quote: string, specifier: string) => {
        if (specifier.startsWith('../src/')) {
          const built = join(packageDir, 'dist', specifier.slice('../src/'.length));
          if (!existsSync(built)) missing.push(built);
          return `${lead}${quote}${pathToFileURL(built).href}${quote}`;
        }
        if (specifier.startsWith('./transport-')) return `${lead}${quote}${specifier.replace(/\.js$/, '.mjs')}${quote}`;
        return whole;
      });
      if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`pnpm --filter @amw/local-mesh build\` first`);
      // A relative import left unrewritten would load src/ TypeScript, which plain node cannot run.
      if (/['"]\.\.\/src\//.test(text)) throw new Error(`${file}: an import of ../src/ was not pointed at dist/`);
      await writeFile(join(dir, file.replace(/\.ts$/, '.mjs')), text);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    entry: join(dir, ENTRY.replace(/\.ts$/, '.mjs')),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
