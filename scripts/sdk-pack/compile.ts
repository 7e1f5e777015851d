import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Compiles one client's SDK (`bffs/<client>/sdk/index.ts` and what it imports) to ESM JavaScript
 * and declarations, with the TypeScript compiler API and the tsconfig below.
 *
 * The sources import `.ts` paths (the repository runs TypeScript directly). An app's tsconfig
 * refuses those (TS5097), so every relative specifier must end in `.js` in what ships:
 * `rewriteRelativeImportExtensions` (TS ≥ 5.7) rewrites them in the emitted JavaScript only, and
 * declaration emit keeps `./x.ts` as written, so an `afterDeclarations` transformer rewrites the
 * declarations the same way. Then every emitted file is read back and checked.
 */

/** The compiler options, written as a tsconfig's `compilerOptions` (paths are filled in per build). */
export const SDK_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['ES2023', 'DOM'],
  types: [],
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: true,
  declaration: true,
  rewriteRelativeImportExtensions: true,
  newLine: 'lf',
} as const;

export interface CompiledSdk {
  /** Emitted files, relative to `outDir`, `/`-separated, sorted. */
  files: string[];
  /** The entry point's JavaScript and declarations, relative to `outDir`. */
  entry: { js: string; types: string };
  /** The trusted-document ids module, relative to `outDir`. */
  ids: { js: string; types: string };
  /** Packages the emitted JavaScript imports (runtime) and the declarations import (types only). */
  imports: { runtime: string[]; types: string[] };
}

export class SdkBuildError extends Error {}

export function compileSdk({ root, client, outDir }: { root: string; client: string; outDir: string }): CompiledSdk {
  const bffs = join(root, 'bffs');
  const sdkDir = join(bffs, client, 'sdk');
  // What may be compiled into the package: the client's SDK and the kit's request function. Not
  // the BFF, the kit's server, perimeter, loaders or downstream clients.
  // (The compiler names files with `/` on every platform.)
  const allowed = [join(sdkDir, sep), join(bffs, 'kit', 'sdk', sep)].map((dir) => dir.split(sep).join('/'));

  const { options, errors } = ts.convertCompilerOptionsFromJson({ ...SDK_COMPILER_OPTIONS, rootDir: bffs, outDir }, root);
  if (errors.length) throw new SdkBuildError(format(errors));
  const program = ts.createProgram({ rootNames: [join(sdkDir, 'index.ts')], options });

  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) throw new SdkBuildError(`The ${client} SDK does not compile:\n${format(diagnostics)}`);
  const strays = program
    .getSourceFiles()
    .filter((file) => !program.isSourceFileDefaultLibrary(file) && !program.isSourceFileFromExternalLibrary(file) && !file.fileName.includes('/node_modules/'))
    .map((file) => file.fileName)
    .filter((fileName) => !allowed.some((dir) => fileName.startsWith(dir)));
  if (strays.length) {
    throw new SdkBuildError(`The ${client} SDK imports code that is not SDK code, which would ship in the package: ${strays.map((f) => relative(root, f)).join(', ')}. The SDK may import only bffs/${client}/sdk/ and bffs/kit/sdk/.`);
  }

  const written = new Map<string, string>();
  const result = program.emit(undefined, (fileName, text) => written.set(fileName, text), undefined, false, { afterDeclarations: [rewriteDeclarationSpecifiers] });
  if (result.emitSkipped || result.diagnostics.length) throw new SdkBuildError(`The ${client} SDK did not emit:\n${format(result.diagnostics)}`);

  const files = [...written.keys()].map((file) => relative(outDir, file).split(sep).join('/')).sort();
  const imports = checkSpecifiers(outDir, written);
  for (const [fileName, text] of written) {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, text);
  }
  const out = (path: string) => relative(bffs, path).split(sep).join('/').replace(/\.ts$/, '');
  const entry = out(join(sdkDir, 'index.ts'));
  const ids = out(join(sdkDir, 'trusted-documents.generated.ts'));
  for (const path of [entry, ids]) {
    if (!files.includes(`${path}.js`) || !files.includes(`${path}.d.ts`)) throw new SdkBuildError(`The ${client} SDK build emitted no ${path}.js and .d.ts.`);
  }
  return { files, entry: { js: `${entry}.js`, types: `${entry}.d.ts` }, ids: { js: `${ids}.js`, types: `${ids}.d.ts` }, imports };
}

/** `./x.ts` → `./x.js` (and `.mts`/`.cts`); a package name or a `.js` path as it is. */
export function rewriteSpecifier(specifier: string): string {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return specifier;
  if (/\.d\.[cm]?ts$/.test(specifier)) return specifier;
  return specifier.replace(/\.([cm]?)ts$/, '.$1js');
}

/** The declaration side of `rewriteRelativeImportExtensions`: imports, re-exports and `import("…")` types. */
const rewriteDeclarationSpecifiers: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => {
  const { factory } = context;
  const rewritten = (node: ts.Node | undefined) => {
    if (!node || !ts.isStringLiteral(node)) return undefined;
    const specifier = rewriteSpecifier(node.text);
    return specifier === node.text ? undefined : factory.createStringLiteral(specifier);
  };
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      const specifier = rewritten(node.moduleSpecifier);
      if (specifier) node = factory.updateImportDeclaration(node, node.modifiers, node.importClause, specifier, node.attributes);
    } else if (ts.isExportDeclaration(node)) {
      const specifier = rewritten(node.moduleSpecifier);
      if (specifier) node = factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, specifier, node.attributes);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = rewritten(node.argument.literal);
      if (specifier) node = factory.updateImportTypeNode(node, factory.updateLiteralTypeNode(node.argument, specifier), node.attributes, node.qualifier, node.typeArguments, node.isTypeOf);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) => (ts.isSourceFile(node) ? ts.visitEachChild(node, visit, context) : node);
};

/**
 * Reads every specifier back from what was emitted: no relative one may end in `.ts`, each must
 * name an emitted file, and the packages imported are returned, to become peer dependencies.
 */
function checkSpecifiers(outDir: string, written: ReadonlyMap<string, string>): CompiledSdk['imports'] {
  const problems: string[] = [];
  const runtime = new Set<string>();
  const types = new Set<string>();
  const emitted = new Set([...written.keys()].map((file) => relative(outDir, file).split(sep).join('/')));
  for (const [fileName, text] of written) {
    const declaration = fileName.endsWith('.d.ts');
    const name = relative(outDir, fileName).split(sep).join('/');
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) {
        if (!specifier.endsWith('.js')) {
          problems.push(`${name} imports "${specifier}": a relative import must end in .js in the package`);
          continue;
        }
        const target = posix.join(posix.dirname(name), specifier);
        const needed = declaration ? target.replace(/\.js$/, '.d.ts') : target;
        if (!emitted.has(needed)) {
          problems.push(`${name} imports "${specifier}", but the build emitted no ${needed}`);
        }
      } else {
        if (specifier.startsWith('node:')) problems.push(`${name} imports "${specifier}": the SDK runs in apps, not only in Node`);
        (declaration ? types : runtime).add(packageName(specifier));
      }
    }
  }
  if (problems.length) throw new SdkBuildError(`The compiled SDK would not resolve in an app:\n  ${problems.join('\n  ')}`);
  return { runtime: [...runtime].sort(), types: [...types].filter((name) => !runtime.has(name)).sort() };
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' });
}
