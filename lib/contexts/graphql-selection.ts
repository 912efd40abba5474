import { stableStringify } from '../keys/stable-stringify';
import { GraphqlInfoLike } from './graphql-args';

interface NodeLike {
  kind: string;
  name?: { value: string };
  value?: unknown;
  values?: NodeLike[];
  fields?: { name: { value: string }; value: NodeLike }[];
  arguments?: { name: { value: string }; value: NodeLike }[];
  selectionSet?: { selections: NodeLike[] };
  typeCondition?: { name: { value: string } };
}

/**
 * A canonical text of the sub-selection a resolver was asked for: fragments expanded, aliases and
 * `__typename` ignored, fields sorted, argument values (variables resolved) included. Two queries
 * asking for the same data in another shape give the same text.
 */
export function selectionText(info: GraphqlInfoLike): string {
  const fields = new Map<string, NodeLike[]>();
  for (const node of (info.fieldNodes ?? []) as NodeLike[]) {
    collect(node.selectionSet?.selections ?? [], info, fields, '', new Set());
  }
  return render(fields, info);
}

/** A type condition: none when it names the type the field already returns. */
function condition(node: NodeLike, on: string, info: GraphqlInfoLike): string {
  const name = node.typeCondition?.name.value;
  if (name === undefined || name === namedType(info.returnType)) return on;
  return `${name}|`;
}

function namedType(type: unknown): string | undefined {
  let current = type as { name?: string; ofType?: unknown } | undefined;
  while (current && current.name === undefined) current = current.ofType as typeof current;
  return current?.name;
}

function collect(
  selections: readonly NodeLike[],
  info: GraphqlInfoLike,
  into: Map<string, NodeLike[]>,
  on: string,
  seen: Set<string>,
): void {
  for (const node of selections) {
    if (node.kind === 'Field') {
      const name = node.name!.value;
      if (name === '__typename') continue;
      const id = `${on}${name}(${argumentsText(node, info)})`;
      into.set(id, [...(into.get(id) ?? []), node]);
    } else if (node.kind === 'InlineFragment') {
      collect(node.selectionSet?.selections ?? [], info, into, condition(node, on, info), seen);
    } else if (node.kind === 'FragmentSpread') {
      const name = node.name!.value;
      if (seen.has(name)) continue;
      const fragment = info.fragments?.[name] as NodeLike | undefined;
      if (!fragment) continue;
      const type = condition(fragment, on, info);
      collect(fragment.selectionSet?.selections ?? [], info, into, type, new Set([...seen, name]));
    }
  }
}

function render(fields: Map<string, NodeLike[]>, info: GraphqlInfoLike): string {
  const parts: string[] = [];
  for (const id of [...fields.keys()].sort()) {
    const nested = new Map<string, NodeLike[]>();
    for (const node of fields.get(id)!) {
      collect(node.selectionSet?.selections ?? [], info, nested, '', new Set());
    }
    parts.push(nested.size > 0 ? `${id}{${render(nested, info)}}` : id);
  }
  return parts.join(',');
}

function argumentsText(node: NodeLike, info: GraphqlInfoLike): string {
  const args = [...(node.arguments ?? [])].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
  return args.map((arg) => `${arg.name.value}:${valueText(arg.value, info)}`).join(',');
}

function valueText(node: NodeLike, info: GraphqlInfoLike): string {
  switch (node.kind) {
    case 'Variable':
      return stableStringify(info.variableValues?.[node.name!.value] ?? null);
    case 'ListValue':
      return `[${(node.values ?? []).map((value) => valueText(value, info)).join(',')}]`;
    case 'ObjectValue': {
      const fields = [...(node.fields ?? [])].sort((a, b) =>
        a.name.value < b.name.value ? -1 : 1,
      );
      return `{${fields.map((f) => `${f.name.value}:${valueText(f.value, info)}`).join(',')}}`;
    }
    case 'NullValue':
      return 'null';
    case 'StringValue':
      return JSON.stringify(node.value);
    default:
      return String(node.value);
  }
}
