// What users install: each package is packed (`npm pack`) and the tarballs are installed in one
// temporary project, which then uses them from CommonJS under Jest (the case require(esm) does
// not cover) and under plain Node, from ESM and CommonJS in one process, and from TypeScript with
// node16, nodenext and bundler module resolution. Also checks what each tarball contains.
// The registry (or npm's cache) provides express, koa, jest and typescript for the project.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The published packages; a new one is added here (see scripts/mark-cjs-output.mjs). */
const PACKAGES = ['core', 'policy', 'express', 'koa', 'fastify', 'testing'] as const
const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./consumer', import.meta.url))

interface Result {
  readonly code: number
  readonly output: string
}

/** Runs a command; never throws, so a failing step shows its output in the assertion. */
function run(command: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<Result> {
  // The consumer must not inherit Jest's --experimental-vm-modules (it would hide the CommonJS case).
  const env = { ...process.env, NODE_OPTIONS: '', npm_config_loglevel: 'error', npm_config_update_notifier: 'false' }
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

/**
 * The type errors of a `tsc` run, except those inside @types/koa: @types/koa 3.0.3 names
 * `contentDisposition.Options`, which content-disposition 1.x's own declarations no longer
 * export (the repository builds with skipLibCheck for that reason). Consumers here compile
 * with skipLibCheck off so that errors in our own declaration files show.
 */
function typeErrors(output: string): string[] {
  return output.split('\n').filter((line) => /error TS\d+/.test(line) && !line.startsWith('node_modules/@types/koa/'))
}

function report(step: string, result: Result): void {
  const errors = typeErrors(result.output)
  const failed = result.code !== 0 && (errors.length > 0 || !/error TS\d+/.test(result.output))
  console.log(`[packaging] ${step}: ${failed ? `FAILED (exit ${result.code})\n${result.output}` : 'ok'}`)
}

interface Packed {
  readonly filename: string
  readonly files: readonly { readonly path: string }[]
}

// Installing, compiling and running the consumers takes a while on a busy machine.
jest.setTimeout(300_000)

const packed = new Map<string, Packed>()
let project = ''
let installed: Result = { code: -1, output: 'not run' }

beforeAll(async () => {
  const build = await run('npm', ['run', 'build', '--silent'], root)
  report('npm run build', build)
  expect(build.code).toBe(0)
  project = mkdtempSync(join(tmpdir(), 'portcullis-packaging-'))
  for (const name of PACKAGES) {
    const pack = await run('npm', ['pack', '--json', '--pack-destination', project], join(root, 'packages', name))
    report(`npm pack @portcullis/${name}`, pack)
    expect(pack.code).toBe(0)
    const [entry] = JSON.parse(pack.output.slice(pack.output.indexOf('['))) as Packed[]
    packed.set(name, entry as Packed)
  }
  cpSync(fixtures, project, { recursive: true })
  const dependencies: Record<string, string> = {}
  for (const [name, entry] of packed) dependencies[`@portcullis/${name}`] = `file:./${entry.filename}`
  for (const name of ['express', 'koa', 'fastify', 'jest', 'typescript', '@types/express', '@types/koa', '@types/node']) {
    dependencies[name] = installedVersion(name)
  }
  const manifest = { name: 'portcullis-consumer', private: true, dependencies, jest: { testEnvironment: 'node', testMatch: ['<rootDir>/*.test.cjs'] } }
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], project)
  report(`npm install of the tarballs in ${project}`, installed)
}, 600_000)

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true })
})

describe('tarball contents', () => {
  it.each(PACKAGES)('@portcullis/%s ships the ESM and CommonJS builds with types, sources for the maps, LICENSE, README, CHANGELOG; no build info, no tests', (name) => {
    const files = (packed.get(name)?.files ?? []).map((file) => file.path)
    for (const required of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/index.js.map',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/package.json',
      'src/index.ts',
    ]) {
      expect(files).toContain(required)
    }
    expect(files.filter((file) => /tsbuildinfo|(^|\/)test\/|\.test\.|\.spec\./.test(file))).toEqual([])
    // Every source map resolves to a shipped source.
    const shipped = new Set(files)
    for (const map of files.filter((file) => file.endsWith('.js.map'))) {
      const sources = (JSON.parse(readFileSync(join(root, 'packages', name, map), 'utf8')) as { sources: string[] }).sources
      for (const source of sources) expect(shipped).toContain(join(map, '..', source))
    }
  })

  it.each(PACKAGES)('@portcullis/%s declares repository, homepage, bugs and the import/require/types conditions', (name) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest['repository']).toEqual({ type: 'git', url: 'git+https://github.com/portcullis-auth/portcullis.git', directory: `packages/${name}` })
    expect(manifest['homepage']).toBe(`https://github.com/portcullis-auth/portcullis/tree/main/packages/${name}#readme`)
    expect(manifest['bugs']).toEqual({ url: 'https://github.com/portcullis-auth/portcullis/issues' })
    expect((manifest['exports'] as Record<string, unknown>)['.']).toEqual({
      import: { types: './dist/esm/index.d.ts', default: './dist/esm/index.js' },
      require: { types: './dist/cjs/index.d.ts', default: './dist/cjs/index.js' },
    })
    expect(readFileSync(join(root, 'packages', name, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} The Portcullis authors\n/)
  })
})

describe('consumers of the packed tarballs', () => {
  it('the tarballs install', () => {
    expect(installed).toEqual({ code: 0, output: expect.any(String) })
  })

  it('a CommonJS project tested with Jest 30 (CommonJS mode) loads and uses every package', async () => {
    const result = await run(process.execPath, ['node_modules/jest/bin/jest.js', '--ci'], project)
    report('CommonJS under Jest', result)
    expect(result.code).toBe(0)
    expect(result.output).toMatch(/Tests:\s+1 passed, 1 total/)
  })

  it('a CommonJS program under plain Node loads the CommonJS builds', async () => {
    const result = await run(process.execPath, ['run-node.cjs'], project)
    report('CommonJS under plain Node', result)
    expect(result).toEqual({ code: 0, output: 'plain node (CommonJS): ok\n' })
  })

  it('ESM and CommonJS builds loaded in one process share errors, decorator metadata and request context', async () => {
    const result = await run(process.execPath, ['dual.mjs'], project)
    report('ESM + CommonJS in one process', result)
    expect(result).toEqual({ code: 0, output: 'ESM and CommonJS in one process: ok\n' })
  })

  it.each(['node16', 'nodenext'])('TypeScript with %s resolution type-checks .cts and .mts consumers against the right flavour, and they run', async (resolution) => {
    const out = `out-${resolution}`
    const tsconfig = {
      compilerOptions: { module: resolution, moduleResolution: resolution, target: 'ES2022', strict: true, esModuleInterop: true, skipLibCheck: false, types: ['node'], outDir: out },
      files: ['consumer.cts', 'consumer.mts'],
    }
    writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig))
    const compiled = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `tsconfig.${resolution}.json`, '--listFiles'], project)
    report(`TypeScript ${resolution}`, compiled)
    expect(typeErrors(compiled.output)).toEqual([])
    for (const name of PACKAGES) {
      // The .cts file gets the CommonJS declarations and the .mts file the ESM ones.
      expect(compiled.output).toContain(`node_modules/@portcullis/${name}/dist/cjs/index.d.ts`)
      expect(compiled.output).toContain(`node_modules/@portcullis/${name}/dist/esm/index.d.ts`)
    }
    const cts = await run(process.execPath, [`${out}/consumer.cjs`], project)
    expect(cts).toEqual({ code: 0, output: 'cts function function true CN=alice\n' })
    const mts = await run(process.execPath, [`${out}/consumer.mjs`], project)
    expect(mts).toEqual({ code: 0, output: 'mts function function true CN=alice\n' })
  })

  it('TypeScript with bundler resolution type-checks against the ESM declarations', async () => {
    const tsconfig = {
      compilerOptions: { module: 'preserve', moduleResolution: 'bundler', target: 'ES2022', strict: true, esModuleInterop: true, skipLibCheck: false, types: ['node'], noEmit: true },
      files: ['consumer.mts'],
    }
    writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify(tsconfig))
    const compiled = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bundler.json', '--listFiles'], project)
    report('TypeScript bundler', compiled)
    expect(typeErrors(compiled.output)).toEqual([])
    for (const name of PACKAGES) {
      expect(compiled.output).toContain(`node_modules/@portcullis/${name}/dist/esm/index.d.ts`)
      expect(compiled.output).not.toContain(`node_modules/@portcullis/${name}/dist/cjs/`)
    }
  })
})
