// Plain Node, CommonJS: the same smoke test as under Jest.
'use strict'
const assert = require('node:assert/strict')
const { expected, smoke } = require('./smoke.cjs')

smoke().then(
  (result) => {
    assert.deepEqual(result, expected)
    console.log('plain node (CommonJS): ok')
  },
  (error) => {
    console.error(error)
    process.exitCode = 1
  },
)
