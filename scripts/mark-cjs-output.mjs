#!/usr/bin/env node
// Writes dist/cjs/package.json ({"type":"commonjs"}) into every package that has a CommonJS
// build (a tsconfig.cjs.json), so Node and TypeScript read dist/cjs/*.js and *.d.ts as CommonJS
// although the package itself is "type": "module". Run by `npm run build` after `tsc -b`.
//
// Recipe for a new published package (packages/<name>):
//   1. tsconfig.json: outDir "dist/esm", tsBuildInfoFile "dist/esm.tsbuildinfo";
//   2. tsconfig.cjs.json: extends ../../tsconfig.base.cjs.json, outDir "dist/cjs",
//      tsBuildInfoFile "dist/cjs.tsbuildinfo", references the tsconfig.cjs.json of its
//      @portcullis dependencies; list it in the root tsconfig.json after the ESM project;
//   3. package.json: "main"/"types"/"exports"/"files" as in packages/core, a LICENSE file,
//      "build": "tsc -b tsconfig.json tsconfig.cjs.json && node ../../scripts/mark-cjs-output.mjs .";
//   4. add it to PACKAGES in test/packaging/packages.test.ts (tarball contents and consumers).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function workspaces() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  return manifest.workspaces.filter((entry) => !entry.includes('*')).map((entry) => join(root, entry))
}

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((dir) => resolve(dir)) : workspaces()
for (const dir of dirs) {
  if (!existsSync(join(dir, 'tsconfig.cjs.json'))) continue
  const out = join(dir, 'dist', 'cjs')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n')
}
