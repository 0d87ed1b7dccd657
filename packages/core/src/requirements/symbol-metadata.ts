// Node 20 has no Symbol.metadata, and TypeScript's standard decorators only attach
// `context.metadata` when it exists. This module's only job is to install it, as the registered
// symbol that Node 22+ and the TypeScript polyfills use, so all of them agree. It runs when
// @portcullis/core is first imported, which every adapter does before the user's classes are
// evaluated (their module imports the adapter to reach the decorators), so decorated classes
// always get metadata. It is the package's one side effect: package.json lists it in
// `sideEffects`, so bundlers keep it.
;(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata')

export {}
