// express4, koa2 and fastify4 are npm aliases of express@4, koa@2 and fastify@4 installed at the
// root for the conformance suite; their own types (if any) are not the ones of the current major.
// The suite only uses the API the two majors share, so the current type packages describe them
// well enough.
declare module 'express4' {
  import express from 'express'
  export default express
}

declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}

declare module 'fastify4' {
  import Fastify from 'fastify'
  export default Fastify
}
