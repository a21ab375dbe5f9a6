// The engine scenarios in webkit; scenarios.ts says what they prove.
import { engineScenarios } from './scenarios.js'

engineScenarios('webkit')
