import Fastify from 'fastify4'
import { fastifyAdapter } from './fastify-app.js'
import { frameworkLabel } from './helpers.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(fastifyAdapter(frameworkLabel('fastify', 'fastify4', 4), Fastify))
