// A two-carer day small enough to check by hand.
export const problem = {
  id: "p", date: "2026-11-26",
  carers: [
    { id: "c1", start: { lat: 51.0, lon: -2.0 }, shift: { start: "07:00", end: "14:00" }, skills: ["hoist"], breaks: [] },
    { id: "c2", start: { lat: 51.1, lon: -2.2 }, shift: { start: "08:00", end: "16:30" }, skills: [], breaks: [] },
  ],
  visits: [
    { id: "v1", client_id: "cl1", location: { lat: 51.02, lon: -2.01 }, window: { start: "08:00", end: "08:30" }, duration_min: 30, carers_required: 1, skills: ["hoist"], priority: "critical" },
    { id: "v2", client_id: "cl2, Flat \"B\"", location: { lat: 51.05, lon: -2.1 }, window: { start: "09:00", end: "10:00" }, duration_min: 45, carers_required: 2, skills: [], priority: "normal" },
  ],
};

export const solution = {
  problem_id: "p", status: "solved",
  runs: [
    { carer_id: "c1", start: "07:50:00", end: "10:20:00", travel_s: 1800, distance_m: 1, care_s: 4500, wait_s: 300,
      breaks: [{ start: "10:00:00", end: "10:10:00" }],
      stops: [
        { visit_id: "v1", arrival: "07:55:00", start: "08:00:00", end: "08:30:00", travel_s: 300, distance_m: 1, wait_s: 300 },
        { visit_id: "v2", arrival: "09:00:00", start: "09:00:00", end: "09:45:00", travel_s: 600, distance_m: 1, wait_s: 0 },
      ] },
    { carer_id: "c2", start: "08:40:00", end: "10:00:00", travel_s: 1200, distance_m: 1, care_s: 2700, wait_s: 0, breaks: [],
      stops: [{ visit_id: "v2", arrival: "09:00:00", start: "09:00:00", end: "09:45:00", travel_s: 1200, distance_m: 1, wait_s: 0 }] },
  ],
  unassigned: [],
  kpis: { visits: 2, visits_assigned: 2, double_ups: 1, double_ups_assigned: 1, care_s: 7200, travel_s: 3000, distance_m: 2, wait_s: 300, travel_per_care_hour_min: 25, carers_used: 2, cost_per_care_hour: 30.5 },
};
