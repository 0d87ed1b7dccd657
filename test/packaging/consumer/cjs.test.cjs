// Jest 30 in its default CommonJS mode (no --experimental-vm-modules): the case require(esm)
// does not cover.
'use strict'
const { expected, smoke } = require('./smoke.cjs')

test('a CommonJS project tested with Jest uses every package', async () => {
  expect(await smoke()).toEqual(expected)
})
