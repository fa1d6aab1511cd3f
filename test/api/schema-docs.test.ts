import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import ts from 'typescript';
import * as specSchema from '../../src/api/spec-schema.js';
import * as statusSchema from '../../src/api/status-schema.js';

/** A property of an exported `Type.Object({...})` and its TSDoc. */
interface DocumentedProperty {
  schema: string;
  property: string;
  summary: string | undefined;
  hasDefaultTag: boolean;
}

function readProperties(file: string): DocumentedProperty[] {
  const text = readFileSync(new URL(`../../src/api/${file}`, import.meta.url), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  return source.statements.filter(ts.isVariableStatement).flatMap((statement) =>
    statement.declarationList.declarations.flatMap((declaration) => {
      const literal = objectLiteralOf(declaration.initializer);
      if (literal === undefined || !ts.isIdentifier(declaration.name)) return [];
      const schema = declaration.name.text;
      return literal.properties
        .filter(ts.isPropertyAssignment)
        .map((p) => toDocumentedProperty(schema, p));
    }),
  );
}

/** The first argument of `Type.Object(...)`, when `node` is such a call. */
function objectLiteralOf(node: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (node === undefined || !ts.isCallExpression(node)) return undefined;
  if (node.expression.getText() !== 'Type.Object') return undefined;
  const [first] = node.arguments;
  return first !== undefined && ts.isObjectLiteralExpression(first) ? first : undefined;
}

function toDocumentedProperty(schema: string, property: ts.PropertyAssignment): DocumentedProperty {
  const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
  const doc = docs.at(-1);
  return {
    schema,
    property: property.name.getText(),
    summary: doc && ts.getTextOfJSDocComment(doc.comment),
    hasDefaultTag: doc?.tags?.some((tag) => tag.tagName.text === 'default') ?? false,
  };
}

function runtimeDescription(schema: string, property: string): string | undefined {
  const modules = { ...specSchema, ...statusSchema } as Record<string, unknown>;
  const object = modules[schema] as { properties: Record<string, { description?: string }> };
  return object.properties[property]?.description;
}

const normalize = (text: string | undefined) => text?.replace(/\s+/g, ' ').trim();

describe('schema documentation', () => {
  const properties = [...readProperties('spec-schema.ts'), ...readProperties('status-schema.ts')];

  it('finds the documented properties of the schema', () => {
    assert.ok(properties.length > 60, `only ${properties.length}`);
  });

  for (const { schema, property, summary, hasDefaultTag } of properties) {
    it(`${schema}.${property} has TSDoc equal to its kubectl explain text`, () => {
      const description = runtimeDescription(schema, property);

      assert.ok(summary, 'no TSDoc');
      assert.equal(normalize(summary), normalize(description));
      if (description?.includes('Defaults to')) assert.ok(hasDefaultTag, 'no @default tag');
    });
  }
});
