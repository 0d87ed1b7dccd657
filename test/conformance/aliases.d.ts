// express4 and koa2 are npm aliases of express@4 and koa@2 installed at the root for the
// conformance suite; they ship no types of their own. The suite only uses the API the two
// majors share, so the current type packages describe them well enough.
declare module 'express4' {
  import express from 'express'
  export default express
}

declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
