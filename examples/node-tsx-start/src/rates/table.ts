export type Zone = "domestic" | "eu" | "world";

export const perKg: Record<Zone, number> = { domestic: 4.5, eu: 9.25, world: 17.8 };
export const transitHours: Record<Zone, number> = { domestic: 24, eu: 72, world: 168 };
