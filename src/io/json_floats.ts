/**
 * JSON that keeps its floats floats. Python writes `rope_theta` as `500000.0` and `factor` as
 * `8.0`; `JSON.parse` turns both into integers and `JSON.stringify` writes `500000` and `8`,
 * which Python then reads back as `int` (and transformers' validation of `factor` warns about
 * an int). {@link parseJsonFloats} remembers where the text wrote a number as a float, and
 * {@link stringifyJsonFloats} writes integral numbers at those places with a `.0`.
 *
 * Places are paths of keys with list indices replaced by `[]` (`rope_scaling.factor`,
 * `rope_parameters.long_factor[]`), so a filtered per-layer list keeps its elements' kind.
 *
 * @module
 */

/** A parsed JSON value and the paths where the text wrote floats. */
export interface JsonWithFloats {
  value: unknown;
  floats: ReadonlySet<string>;
}

/**
 * Parses `text` (which `JSON.parse` has already accepted or will reject the same way) and
 * records the path of every number written with a fraction or an exponent.
 *
 * @example
 * ```ts
 * parseJsonFloats('{"rope_theta": 10000.0, "n": 2}').floats; // Set {"rope_theta"}
 * ```
 */
export function parseJsonFloats(text: string): JsonWithFloats {
  const value = JSON.parse(text); // validates, and gives the values
  const floats = new Set<string>();
  // A small scanner over the same text: tracks the path, marks numbers with "." / "e".
  const stack: { path: string; isArray: boolean; key: string | null }[] = [];
  let i = 0;
  const here = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    const step = top.isArray ? "[]" : top.key ?? "";
    return top.path === "" ? step : top.isArray ? `${top.path}${step}` : `${top.path}.${step}`;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const str = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      const top = stack[stack.length - 1];
      // A string followed by ":" is a key of the enclosing object.
      let k = i;
      while (/\s/.test(text[k] ?? "")) k++;
      if (top && !top.isArray && text[k] === ":") top.key = str;
    } else if (c === "{" || c === "[") {
      stack.push({ path: here(), isArray: c === "[", key: null });
      i++;
    } else if (c === "}" || c === "]") {
      stack.pop();
      i++;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text[j])) j++;
      if (/[.eE]/.test(text.slice(i, j))) floats.add(here());
      i = j;
    } else {
      i++;
    }
  }
  return { value, floats };
}

/**
 * `JSON.stringify(value, null, 2)`, except that an integral number at a path in `floats` is
 * written with `.0` (`8.0`, not `8`), as Python's `json` writes a float.
 */
export function stringifyJsonFloats(value: unknown, floats: ReadonlySet<string>): string {
  const write = (v: unknown, path: string, indent: string): string => {
    if (typeof v === "number") {
      const s = JSON.stringify(v);
      return floats.has(path) && Number.isInteger(v) && !/[eE]/.test(s) ? `${s}.0` : s;
    }
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    const inner = indent + "  ";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      const items = v.map((x) => inner + write(x, `${path}[]`, inner));
      return `[\n${items.join(",\n")}\n${indent}]`;
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return "{}";
    const items = entries.map(([k, x]) =>
      `${inner}${JSON.stringify(k)}: ${write(x, path === "" ? k : `${path}.${k}`, inner)}`
    );
    return `{\n${items.join(",\n")}\n${indent}}`;
  };
  return write(value, "", "");
}
