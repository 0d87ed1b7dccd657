import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import { frameworkLabel } from './helpers.js'
import { koaAdapter } from './koa-app.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(koaAdapter(frameworkLabel('koa', 'koa', 3), { Koa, Router, bodyParser }))
