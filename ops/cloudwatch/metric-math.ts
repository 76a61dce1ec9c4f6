// CloudWatch metric math, the part alarms and dashboards here use: series ids, numbers, + - * / and parentheses,
// comparisons (> < >= <= == !=, 1 for true and 0 for false), FILL(series, value) and IF(condition, a, b).
// Evaluated period by period over series that may have missing values; arithmetic on a missing value is missing, as
// in CloudWatch, which is why FILL exists, and IF takes the branch its condition picks (so IF(n > 0, x / n, 0) never
// divides by zero). Anything else is refused by name, so a new function in an alarm fails the simulation loudly
// instead of being evaluated wrongly.

export type Series = (number | undefined)[];

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; id: string }
  | { kind: 'bin'; op: BinaryOp; left: Node; right: Node }
  | { kind: 'neg'; operand: Node }
  | { kind: 'call'; name: string; args: Node[] };

type BinaryOp = '+' | '-' | '*' | '/' | '>' | '<' | '>=' | '<=' | '==' | '!=';
const COMPARISONS = new Set(['>', '<', '>=', '<=', '==', '!=']);

export class MetricMathError extends Error {
  override readonly name = 'MetricMathError';
}

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new MetricMathError(`cannot read metric math at "${expression.slice(index)}"`);
    tokens.push((match[1] ?? match[2] ?? match[3]) as string);
    index = pattern.lastIndex;
  }
  return tokens;
}

export function parseMetricMath(expression: string): Node {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (expected?: string) => {
    const token = tokens[pos++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new MetricMathError(`expected ${expected ?? 'more'} in "${expression}"`);
    }
    return token;
  };
  const primary = (): Node => {
    const token = take();
    if (token === '(') {
      const inner = comparison();
      take(')');
      return inner;
    }
    if (token === '-') return { kind: 'neg', operand: primary() };
    if (/^\d/.test(token)) return { kind: 'num', value: Number(token) };
    if (!/^[A-Za-z_]/.test(token)) throw new MetricMathError(`unexpected "${token}" in "${expression}"`);
    if (peek() !== '(') return { kind: 'ref', id: token };
    take('(');
    const args: Node[] = [];
    if (peek() !== ')') {
      args.push(comparison());
      while (peek() === ',') {
        take(',');
        args.push(comparison());
      }
    }
    take(')');
    return { kind: 'call', name: token.toUpperCase(), args };
  };
  const product = (): Node => {
    let node = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take() as '*' | '/';
      node = { kind: 'bin', op, left: node, right: primary() };
    }
    return node;
  };
  const sum = (): Node => {
    let node = product();
    while (peek() === '+' || peek() === '-') {
      const op = take() as '+' | '-';
      node = { kind: 'bin', op, left: node, right: product() };
    }
    return node;
  };
  const comparison = (): Node => {
    const left = sum();
    const op = peek();
    if (op === undefined || !COMPARISONS.has(op)) return left;
    take();
    return { kind: 'bin', op: op as BinaryOp, left, right: sum() };
  };
  const root = comparison();
  if (pos !== tokens.length) throw new MetricMathError(`unexpected "${tokens[pos]}" in "${expression}"`);
  return root;
}

/** The series ids an expression reads. */
export function referencedIds(expression: string): string[] {
  const ids = new Set<string>();
  const walk = (node: Node) => {
    if (node.kind === 'ref') ids.add(node.id);
    else if (node.kind === 'bin') {
      walk(node.left);
      walk(node.right);
    } else if (node.kind === 'neg') walk(node.operand);
    else if (node.kind === 'call') node.args.forEach(walk);
  };
  walk(parseMetricMath(expression));
  return [...ids];
}

/** Evaluates an expression over input series of equal length (one value per period). */
export function evaluateMetricMath(expression: string, inputs: Record<string, Series>, length: number): Series {
  const evaluate = (node: Node): Series | number => {
    switch (node.kind) {
      case 'num':
        return node.value;
      case 'ref': {
        const series = inputs[node.id];
        if (!series) throw new MetricMathError(`metric math refers to unknown id ${node.id}`);
        return series;
      }
      case 'neg':
        return combine(0, evaluate(node.operand), (_, b) => -b);
      case 'bin':
        return combine(evaluate(node.left), evaluate(node.right), OPS[node.op]);
      case 'call':
        return call(node.name, node.args.map(evaluate));
    }
  };
  const at = (v: Series | number, i: number) => (typeof v === 'number' ? v : v[i]);
  const combine = (a: Series | number, b: Series | number, op: (x: number, y: number) => number): Series | number => {
    if (typeof a === 'number' && typeof b === 'number') return op(a, b);
    return Array.from({ length }, (_, i) => {
      const x = at(a, i);
      const y = at(b, i);
      if (x === undefined || y === undefined) return undefined;
      const value = op(x, y);
      return Number.isNaN(value) ? undefined : value;
    });
  };
  const call = (name: string, args: (Series | number)[]): Series | number => {
    if (name === 'FILL') {
      const [series, fill] = args;
      if (args.length !== 2 || typeof fill !== 'number' || series === undefined) {
        throw new MetricMathError('FILL takes a series and a number');
      }
      return Array.from({ length }, (_, i) => at(series, i) ?? fill);
    }
    if (name === 'IF') {
      const [condition, whenTrue, whenFalse] = args;
      if (args.length !== 3 || condition === undefined || whenTrue === undefined || whenFalse === undefined) {
        throw new MetricMathError('IF takes a condition and two values');
      }
      return Array.from({ length }, (_, i) => {
        const c = at(condition, i);
        return c === undefined ? undefined : c !== 0 ? at(whenTrue, i) : at(whenFalse, i);
      });
    }
    throw new MetricMathError(`metric math function ${name} is not supported by the simulation`);
  };
  const result = evaluate(parseMetricMath(expression));
  return typeof result === 'number' ? Array.from({ length }, () => result) : result;
}

const OPS: Record<BinaryOp, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  // No value for a division by zero (an alarm should not depend on it: guard with IF).
  '/': (a, b) => (b === 0 ? Number.NaN : a / b),
  '>': (a, b) => Number(a > b),
  '<': (a, b) => Number(a < b),
  '>=': (a, b) => Number(a >= b),
  '<=': (a, b) => Number(a <= b),
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
};
