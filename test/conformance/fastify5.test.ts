import Fastify from 'fastify'
import { fastifyAdapter } from './fastify-app.js'
import { frameworkLabel } from './helpers.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(fastifyAdapter(frameworkLabel('fastify', 'fastify', 5), Fastify))
