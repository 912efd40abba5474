import { parse, OperationDefinitionNode, FragmentDefinitionNode, FieldNode } from 'graphql';
import { selectionText } from '../../../lib/contexts/graphql-selection';

/** The `info` a resolver of the first root field of `query` would get. */
function infoOf(query: string, variableValues: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  )!;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition')
      .map((d) => [d.name.value, d]),
  );
  const field = operation.selectionSet.selections[0] as FieldNode;
  return {
    fieldName: field.name.value,
    parentType: { name: 'Query' },
    returnType: { name: 'Book' },
    fieldNodes: [field],
    fragments,
    variableValues,
  };
}

describe('selectionText', () => {
  it('ignores aliases, field order, __typename and fragments on the returned type', () => {
    const texts = [
      '{ book { id title } }',
      '{ b: book { t: title id __typename } }',
      '{ book { ...F } } fragment F on Book { title id }',
      '{ book { ... on Book { id } title } }',
    ].map((q) => selectionText(infoOf(q)));
    expect(new Set(texts).size).toBe(1);
  });

  it('tells apart other fields, nested selections and sub-field arguments (variables resolved)', () => {
    const texts = [
      '{ book { id } }',
      '{ book { id author { name } } }',
      '{ book { id author { name born } } }',
      '{ book { id reviews(first: 2) { id } } }',
      '{ book { id reviews(first: 3) { id } } }',
    ].map((q) => selectionText(infoOf(q)));
    expect(new Set(texts).size).toBe(texts.length);
    const byVariable = selectionText(
      infoOf('query ($n: Int) { book { id reviews(first: $n) { id } } }', { n: 3 }),
    );
    expect(byVariable).toBe(texts[4]);
  });

  it('keeps fragments on other types apart and survives a fragment that spreads itself', () => {
    const onOther = selectionText(infoOf('{ book { ... on Comic { id } } }'));
    expect(onOther).not.toBe(selectionText(infoOf('{ book { id } }')));
    const cyclic = infoOf('{ book { ...A } } fragment A on Book { id ...A }');
    expect(selectionText(cyclic)).toBe(selectionText(infoOf('{ book { id } }')));
  });
});
