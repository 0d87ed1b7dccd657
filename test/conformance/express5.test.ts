import express from 'express'
import { expressAdapter } from './express-app.js'
import { frameworkLabel } from './helpers.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(expressAdapter(frameworkLabel('express', 'express', 5), express))
