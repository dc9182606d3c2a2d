import { barChartSvg } from './chart-svg';
import { LAMBDA_PRICES, lambdaCost } from './lambda-cost';
import { decodeRate, promptRate } from './measurements';
import { benchmarkPrompt } from './prompts';
import { bootstrapInterval, formatSummary, rotate, summarize } from './stats';

describe('benchmark arithmetic', () => {
  test('median of odd and even counts, range, and non-finite samples dropped', () => {
    expect(summarize([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(summarize([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
    expect(summarize([NaN, 5, Infinity])).toMatchObject({ median: 5, samples: [5] });
    expect(summarize([])).toBeUndefined();
    expect(formatSummary(summarize([1, 2, 4]), 1)).toBe('2.0 [1.0–4.0]');
  });

  test('rotation gives every arm every position', () => {
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
  });

  test('decode speed counts the gaps between tokens, prompt speed the prompt over time to first token', () => {
    expect(decodeRate(11, 1000)).toBe(10);
    expect(decodeRate(1, 1000)).toBeNaN();
    expect(promptRate(100, 500)).toBe(200);
  });

  test('prompts are rotations: same words, different starts', () => {
    const first = benchmarkPrompt(0).split(' ');
    const second = benchmarkPrompt(1).split(' ');
    expect([...second].sort()).toEqual([...first].sort());
    expect(second.slice(0, 3)).not.toEqual(first.slice(0, 3));
  });

  test('Lambda cost: GB-seconds times price, plus the request charge', () => {
    const row = lambdaCost({
      label: 'x',
      memoryMb: 2048,
      threads: 2,
      decodeTokensPerSecond: 10,
      promptTokensPerSecond: 100,
      typicalPromptTokens: 100,
      typicalOutputTokens: 400,
    });
    // 1 s of prompt + 40 s of decode at 2 GB.
    expect(row.secondsPerTypicalRequest).toBeCloseTo(41);
    expect(row.arm64Per1000Requests).toBeCloseTo(1000 * (2 * 41 * LAMBDA_PRICES.arm64PerGbSecond + 0.2e-6));
    expect(row.x86_64PerMillionOutputTokens).toBeCloseTo(2 * 1e5 * LAMBDA_PRICES.x86_64PerGbSecond + 2500 * 0.2e-6);
  });

  test('the chart is one SVG element with a bar per measured row and a note for missing ones', () => {
    const svg = barChartSvg('t <&>', 'tok/s', [
      { group: 'g', label: 'a', summary: summarize([1, 2, 3]) },
      { group: 'g', label: 'b', summary: undefined },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('t &lt;&amp;&gt;');
    expect(svg.match(/<rect /g)).toHaveLength(2); // the background and one bar
    expect(svg).toContain('not measured');
  });
});

describe('bootstrap interval', () => {
  test('is repeatable, contains the point estimate, and narrows with agreeing samples', () => {
    const a = [10, 11, 9, 10.5, 9.5, 10.2, 9.8];
    const b = [20, 21, 19, 20.5, 19.5, 20.2, 19.8];
    const ratio = (x: number, y: number) => x / y;
    const first = bootstrapInterval(a, b, ratio)!;
    expect(bootstrapInterval(a, b, ratio)).toEqual(first);
    expect(first[0]).toBeLessThanOrEqual(0.5);
    expect(first[1]).toBeGreaterThanOrEqual(0.5);
    const tight = bootstrapInterval([10, 10, 10], [20, 20, 20], ratio)!;
    expect(tight).toEqual([0.5, 0.5]);
    expect(bootstrapInterval([], b, ratio)).toBeUndefined();
  });
});
