import Koa from 'koa2'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import { frameworkLabel } from './helpers.js'
import { koaAdapter } from './koa-app.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(koaAdapter(frameworkLabel('koa', 'koa2', 2), { Koa, Router, bodyParser }))
