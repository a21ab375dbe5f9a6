// The engine scenarios in chromium; scenarios.ts says what they prove.
import { engineScenarios } from './scenarios.js'

engineScenarios('chromium')
