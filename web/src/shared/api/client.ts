// The typed client of Xiezhi's public API, shared by the console and (later)
// the field app. Types come from schema.d.ts, which `make web-api` generates
// from ../openapi.yaml; a change to the spec that breaks a screen fails
// `vue-tsc --noEmit` in the build.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

/** The schemas of openapi.yaml, by name. */
export type Schemas = components['schemas']
export type Lead = Schemas['Lead']
export type LeadEvent = Schemas['LeadEvent']
export type LeadStatus = Schemas['LeadStatus']
export type LeadKind = Schemas['LeadKind']
export type Me = Schemas['Me']
export type Photo = Schemas['Photo']
export type Problem = Schemas['Problem']
export type Role = Schemas['Role']

/**
 * CSRF_HEADER marks a request as coming from a page of this origin: a
 * cross-site page cannot send a custom header here (it would need a CORS
 * preflight the server never grants). With it, login and refresh keep the
 * refresh token in an HttpOnly cookie instead of the body.
 */
export const CSRF_HEADER = 'X-Xiezhi-CSRF'

/** What the client needs from its surroundings. */
export interface ClientHooks {
  /** The access token to send, or null when signed out. */
  token(): string | null
  /** The language for problem details (Accept-Language). */
  language(): string
}

/** Api is the typed client: api.GET('/v1/leads', {...}) and so on. */
export type Api = ReturnType<typeof createClient<paths>>

/** makeApi returns a client that sends the token and the language. */
export function makeApi(hooks: ClientHooks, baseUrl = ''): Api {
  const api = createClient<paths>({ baseUrl, credentials: 'same-origin' })
  const auth: Middleware = {
    onRequest({ request }) {
      const t = hooks.token()
      if (t && !request.headers.has('Authorization')) {
        request.headers.set('Authorization', `Bearer ${t}`)
      }
      request.headers.set('Accept-Language', hooks.language())
      return request
    },
  }
  api.use(auth)
  return api
}
