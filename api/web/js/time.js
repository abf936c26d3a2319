// Times of day as the contract writes them ("HH:MM" or "HH:MM:SS") and as seconds since midnight.

export function toSeconds(text) {
  const [h, m, s = 0] = String(text).split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

export function clock(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

export function minutes(seconds) {
  return Math.round(seconds / 60);
}
