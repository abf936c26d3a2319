// The API as the page calls it: the tenant's key in a header, problem+json errors thrown whole.

const KEY = "carerun.key";

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); },
};

export class ApiRefusal extends Error {
  constructor(status, details) {
    super(details.detail || details.title || `HTTP ${status}`);
    this.status = status;
    this.details = details;
  }
}

export async function call(method, path, body, key = session.key) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiRefusal(res.status, data || { title: res.statusText });
  return data;
}
