import express from 'express4'
import { expressAdapter } from './express-app.js'
import { frameworkLabel } from './helpers.js'
import { runConformanceSuite } from './suite.js'

runConformanceSuite(expressAdapter(frameworkLabel('express', 'express4', 4), express))
