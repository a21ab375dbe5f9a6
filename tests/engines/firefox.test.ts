// The engine scenarios in firefox; scenarios.ts says what they prove.
import { engineScenarios } from './scenarios.js'

engineScenarios('firefox')
