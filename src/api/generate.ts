// Writes src/api/generated.ts from manifests/crds/*.yaml: `npm run generate:api`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCrdFiles, type CrdFile } from './crd-files.js';
import { renderTypes } from './codegen.js';
import { crdProblems } from './schema-check.js';

export const generatedPath = fileURLToPath(new URL('./generated.ts', import.meta.url));

/** The content generated.ts must have for `files`; throws listing every problem of a CRD that cannot be used. */
export function generate(files: CrdFile[] = loadCrdFiles()): string {
  const problems = files.flatMap(crdProblems);
  if (problems.length > 0) throw new Error(`the CRDs in manifests/crds have problems:\n  ${problems.join('\n  ')}`);
  return renderTypes(files);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    writeFileSync(generatedPath, generate());
    console.log(`wrote ${generatedPath}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
