export interface Line {
  item: string;
  qty: number;
  cents: number;
}

export function total(lines: Line[]): number {
  return lines.reduce((sum, l) => sum + l.qty * l.cents, 0);
}
