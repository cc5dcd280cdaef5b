/** `numeric` matching: Ruler's comparable numbers (±5e9, six decimals) and ranges. */

import { fail, type ValueMatcher } from './shared.ts';

const FIVE_BILLION = 5e9;
const MAX_DECIMALS = 6;

/** Ruler's ComparableNumber: ±5e9 with at most six decimals, compared as integers of millionths. */
function toComparable(value: number): number | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > FIVE_BILLION || decimalPlaces(value) > MAX_DECIMALS) {
    return undefined;
  }
  return Math.round(value * 10 ** MAX_DECIMALS);
}

function decimalPlaces(value: number): number {
  const text = String(Math.abs(value));
  const [mantissa = '', exponent] = text.split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

export function comparableOperand(value: unknown, label: string, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`Value of ${label} must be numeric`, path);
  if (Math.abs(value) > FIVE_BILLION)
    fail('Value must be between -5000000000 and 5000000000, inclusive', path);
  const comparable = toComparable(value);
  if (comparable === undefined)
    fail(`Only values upto ${MAX_DECIMALS} decimals are supported: ${value}`, path);
  return comparable;
}

export interface Bound {
  readonly value: number;
  readonly open: boolean;
}

export function compileNumeric(operand: unknown, path: string): ValueMatcher {
  if (!Array.isArray(operand)) fail('Value of numeric must be an array.', path);
  const [operator, first, secondOperator, second] = operand as unknown[];
  if (typeof operator !== 'string')
    fail(`Invalid member in numeric match: ${JSON.stringify(operator)}`, path);
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  switch (operator) {
    case '=': {
      const value = comparableOperand(first, 'equals', path);
      if (operand.length > 2) fail('Too many elements in numeric expression', path);
      lower = { value, open: false };
      upper = { value, open: false };
      break;
    }
    case '>':
    case '>=': {
      lower = { value: comparableOperand(first, operator, path), open: operator === '>' };
      if (operand.length === 2) break;
      // Only a lower bound may be followed by an upper bound; `[">", 0, ">", 1]` is rejected.
      if (typeof secondOperator !== 'string') {
        fail(`Bad value in numeric range: ${JSON.stringify(secondOperator)}`, path);
      }
      if (secondOperator !== '<' && secondOperator !== '<=') {
        fail(`Bad numeric range operator: ${secondOperator}`, path);
      }
      upper = { value: comparableOperand(second, secondOperator, path), open: secondOperator === '<' };
      if (operand.length > 4) fail('Too many terms in numeric range expression', path);
      if (lower.value >= upper.value) fail('Bottom must be less than top', path);
      break;
    }
    case '<':
    case '<=':
      upper = { value: comparableOperand(first, operator, path), open: operator === '<' };
      if (operand.length > 2) fail('Too many elements in numeric expression', path);
      break;
    default:
      fail(`Unrecognized numeric range operator: ${operator}`, path);
  }
  return {
    kind: 'numeric',
    test: (v) => {
      // Numeric matching only applies to JSON numbers: the string "42" is never in range.
      if (typeof v !== 'number') return false;
      const n = toComparable(v);
      if (n === undefined) return false;
      if (lower !== undefined && (lower.open ? n <= lower.value : n < lower.value)) return false;
      if (upper !== undefined && (upper.open ? n >= upper.value : n > upper.value)) return false;
      return true;
    },
  };
}
