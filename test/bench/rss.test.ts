import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// The fast variant of `npm run bench:rss` (bench/src/rss.js, against the built packages: npm
// test builds them first): 20,000 distinct tokens, twice the default cache.maxEntries, so the
// cache must evict to stay within its bounds.
const root = fileURLToPath(new URL('../..', import.meta.url))

function rss(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', 'bench/src/rss.js'], { cwd: root, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

describe('bench:rss', () => {
  it('keeps the verified-token cache within its default bounds over 20,000 distinct tokens', async () => {
    const { code, stdout } = await rss({ RSS_TOKENS: '20000', RSS_SAMPLE_EVERY: '5000' })
    expect(stdout).toContain('Cache within maxEntries and maxBytes: yes')
    expect(stdout).toContain('RSS within the bound: yes')
    expect(stdout).toMatch(/\| 20,000 \| [\d.]+ \| [\d.]+ \| 10,000 \| [\d.]+ \|/)
    expect(stdout).toContain('after gc() (--expose-gc)')
    expect(code).toBe(0)
  }, 60_000)

  it('exits non-zero when RSS passes its bound', async () => {
    // A negative slack puts the bound below the baseline: the check must fail.
    const { code, stdout, stderr } = await rss({ RSS_TOKENS: '2000', RSS_SLACK_MB: '-100' })
    expect(stdout).toContain('RSS within the bound: NO')
    expect(stderr).toContain('FAIL: RSS reached')
    expect(code).toBe(1)
  }, 60_000)
})
