import { Summary } from './stats';

export interface ChartBar {
  readonly label: string;
  readonly summary: Summary | undefined;
  /** Bars of one group share a colour; groups are separated by a gap and a heading. */
  readonly group: string;
}

const COLOURS = ['#4477aa', '#ee6677', '#228833', '#ccbb44', '#66ccee', '#aa3377'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart (median bar, min–max whisker), hand-written SVG so the benchmark needs no
 * plotting dependency and the file diffs as text.
 */
export function barChartSvg(title: string, unit: string, bars: readonly ChartBar[]): string {
  const labelWidth = 260;
  const plotWidth = 420;
  const valueWidth = 150;
  const rowHeight = 26;
  const headingHeight = 24;
  const top = 44;
  const max = Math.max(1, ...bars.map((bar) => bar.summary?.max ?? 0)) * 1.05;
  const x = (value: number) => labelWidth + (value / max) * plotWidth;
  const groups = [...new Set(bars.map((bar) => bar.group))];
  const parts: string[] = [];
  let y = top;
  groups.forEach((group, groupIndex) => {
    const colour = COLOURS[groupIndex % COLOURS.length];
    parts.push(`<text x="8" y="${y + 16}" font-weight="bold">${escapeXml(group)}</text>`);
    y += headingHeight;
    for (const bar of bars.filter((candidate) => candidate.group === group)) {
      const s = bar.summary;
      parts.push(`<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      if (s) {
        parts.push(`<rect x="${labelWidth}" y="${y + 4}" width="${(x(s.median) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${colour}"/>`);
        const mid = y + rowHeight / 2;
        parts.push(`<path d="M${x(s.min).toFixed(1)} ${mid}H${x(s.max).toFixed(1)}M${x(s.min).toFixed(1)} ${mid - 5}v10M${x(s.max).toFixed(1)} ${mid - 5}v10" stroke="#222" stroke-width="1.5" fill="none"/>`);
        parts.push(`<text x="${labelWidth + plotWidth + 10}" y="${y + 17}">${s.median.toFixed(1)} [${s.min.toFixed(1)}–${s.max.toFixed(1)}]</text>`);
      } else {
        parts.push(`<text x="${labelWidth + 4}" y="${y + 17}" fill="#777">not measured</text>`);
      }
      y += rowHeight;
    }
    y += 8;
  });
  const ticks: string[] = [];
  const step = niceStep(max / 5);
  for (let value = 0; value <= max; value += step) {
    ticks.push(`<line x1="${x(value).toFixed(1)}" y1="${top}" x2="${x(value).toFixed(1)}" y2="${y}" stroke="#ddd"/>`);
    ticks.push(`<text x="${x(value).toFixed(1)}" y="${y + 16}" text-anchor="middle" fill="#555">${+value.toFixed(2)}</text>`);
  }
  const width = labelWidth + plotWidth + valueWidth;
  const height = y + 44;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="8" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...ticks,
    ...parts,
    `<text x="${labelWidth + plotWidth / 2}" y="${y + 36}" text-anchor="middle" fill="#555">${escapeXml(unit)} (bar: median, whisker: min–max)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / magnitude;
  return (scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10) * magnitude;
}
