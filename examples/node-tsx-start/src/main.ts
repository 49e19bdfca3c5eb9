import ms from "ms";
import { perKg, transitHours, type Zone } from "@rates/table";

const parcels: Array<{ id: string; kg: number; zone: Zone }> = [
  { id: "P-100", kg: 2, zone: "domestic" },
  { id: "P-101", kg: 0.5, zone: "eu" },
  { id: "P-102", kg: 7.25, zone: "world" },
];

for (const p of parcels) {
  const price = (p.kg * perKg[p.zone]).toFixed(2);
  console.log(`${p.id} ${p.zone.padEnd(8)} ${price.padStart(7)} EUR  ~${ms(transitHours[p.zone] * 3600_000, { long: true })}`);
}
