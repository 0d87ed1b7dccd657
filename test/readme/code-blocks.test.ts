// Every ```ts block of every README (root, packages, examples) is type-checked under the
// repository's strict settings, against the packages' sources, so the documentation cannot
// drift from the API. A block that is deliberately a fragment is preceded by the line
// `<!-- not-compiled: reason -->`; the test also fails if such a marker has no reason.
import { describe, expect, it, jest } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const SKIP = /^<!--\s*not-compiled:\s*(.*?)\s*-->$/

interface Block {
  readonly readme: string
  readonly line: number
  readonly code: string
}

function readmes(): string[] {
  const files = ['README.md']
  for (const dir of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, dir))) {
      if (existsSync(join(root, dir, entry, 'README.md'))) files.push(`${dir}/${entry}/README.md`)
    }
  }
  return files
}

/** The ```ts blocks of a README, with the line of their opening fence, minus marked fragments. */
export function codeBlocks(readme: string, text: string): { blocks: Block[]; skipped: { line: number; reason: string }[] } {
  const lines = text.split('\n')
  const blocks: Block[] = []
  const skipped: { line: number; reason: string }[] = []
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i]?.trim() !== '```ts') continue
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```')
    if (end === -1) throw new Error(`${readme}:${i + 1}: unterminated code block`)
    let previous = i - 1
    while (previous >= 0 && lines[previous]?.trim() === '') previous -= 1
    const marker = SKIP.exec(lines[previous]?.trim() ?? '')
    if (marker) skipped.push({ line: i + 1, reason: marker[1] ?? '' })
    else blocks.push({ readme, line: i + 1, code: lines.slice(i + 1, end).join('\n') })
    i = end
  }
  return { blocks, skipped }
}

function tsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` })
    })
  })
}

jest.setTimeout(300_000)

describe('README code blocks', () => {
  const all = readmes().map((readme) => ({ readme, ...codeBlocks(readme, readFileSync(join(root, readme), 'utf8')) }))

  it('marked fragments say why they are not compiled', () => {
    const unexplained = all.flatMap(({ readme, skipped }) => skipped.filter((s) => s.reason === '').map((s) => `${readme}:${s.line}`))
    expect(unexplained).toEqual([])
  })

  it('every ```ts block type-checks under the strict base configuration', async () => {
    // Inside the repository (node_modules/.cache) so that express, koa and @types resolve.
    const dir = join(root, 'node_modules', '.cache', 'readme-blocks')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const files: string[] = []
    for (const { blocks } of all) {
      for (const block of blocks) {
        // Each block is its own module (top-level await allowed, names never clash).
        const name = `${block.readme.replaceAll('/', '__')}__L${block.line}.ts`
        writeFileSync(join(dir, name), `${block.code}\nexport {}\n`)
        files.push(name)
      }
    }
    expect(files.length).toBeGreaterThan(20)
    const tsconfig = {
      extends: relative(dir, join(root, 'tsconfig.base.json')),
      compilerOptions: {
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
        incremental: false,
        // Examples declare what they show; unused names are not a documentation error.
        noUnusedLocals: false,
        noUnusedParameters: false,
        rootDir: root,
        paths: { '@portcullis/*': [join(root, 'packages/*/src/index.ts')] },
      },
      files,
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    const result = await tsc(join(dir, 'tsconfig.json'))
    // Report errors as README:line so they can be fixed where they are written.
    const errors = result.output
      .split('\n')
      .filter((line) => /error TS\d+/.test(line))
      .map((line) =>
        line.replace(/^(?:.*\/)?([^/]+?)__L(\d+)\.ts\((\d+),(\d+)\)/, (_m, file: string, start: string, row: string, col: string) => `${file.replaceAll('__', '/')}:${Number(start) + Number(row)}:${col}`),
      )
    expect(errors).toEqual([])
    expect(result.code).toBe(0)
  })
})
