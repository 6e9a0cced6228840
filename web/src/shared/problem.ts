// Problems (RFC 9457, application/problem+json) from the API, as errors the
// screens can show in place: the detail in the language asked for, and the
// field errors by field, to put next to their inputs.
import type { Problem } from './api/client'

/** ApiError is a failed API call: its status and problem, when it had one. */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem | null

  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem?.detail || fallback)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  /** fields maps each invalid field (its JSON path) to its reason. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.problem?.errors ?? []) {
      if (!(e.field in out)) out[e.field] = e.detail
    }
    return out
  }

  /** The problem's code, such as not_found, or '' without a problem. */
  get code(): string {
    return this.problem?.code ?? ''
  }
}

/** NetworkError is a request that got no answer at all. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause))
    this.name = 'NetworkError'
  }
}

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && 'status' in v && 'code' in v
}

/**
 * must returns the data of a finished openapi-fetch call, or throws an
 * ApiError built from its problem. A rejected fetch (no network) becomes a
 * NetworkError.
 */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; response: Response }> {
  let r: { data?: T; error?: unknown; response: Response }
  try {
    r = await call
  } catch (e) {
    throw new NetworkError(e)
  }
  if (!r.response.ok) {
    const p = isProblem(r.error) ? r.error : null
    throw new ApiError(r.response.status, p, `HTTP ${r.response.status}`)
  }
  return { data: r.data as T, response: r.response }
}
