/**
 * `Profile` (src/server/types.ts) against the OpenAPI description's getProfile200 schema: the same
 * fields, each of the schema's type, optional exactly where the schema does not require it.
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// A copy of the Integration API's OpenAPI description, as given with SPEC.md.
const openapi = JSON.parse(readFileSync(new URL('./fixtures/integration-api.openapi.json', import.meta.url), 'utf8'))
const schema = openapi.components.responses.getProfile200.content['application/json'].schema as { properties: Record<string, { type: string }>; required?: string[] }

const source = ts.createSourceFile('types.ts', readFileSync(new URL('../../src/server/types.ts', import.meta.url), 'utf8'), ts.ScriptTarget.Latest, true)
const profile = source.statements.find((node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text == 'Profile')!
const members = new Map(
  profile.members.filter(ts.isPropertySignature).map((member) => [member.name.getText(source), { optional: !!member.questionToken, type: member.type!.getText(source) }]),
)

/** The TypeScript shapes each JSON schema type may be written as. */
const SHAPES: Record<string, RegExp> = { string: /^string$/, number: /^number$/, array: /\[\]$|^Array</, object: /^Record<string, /, boolean: /^boolean$/ }

describe('Profile matches the OpenAPI schema of GET /profile/{userId}', () => {
  it('the same fields', () => {
    expect([...members.keys()].sort()).toEqual(Object.keys(schema.properties).sort())
  })
  it.each(Object.entries(schema.properties))('%s: %j', (name, { type }) => {
    const member = members.get(name)!
    expect(member.type).toMatch(SHAPES[type]!)
    expect(member.optional).toBe(!(schema.required ?? []).includes(name))
  })
})
