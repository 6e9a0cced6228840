// The lead lifecycle as the console offers it: which steps a user may take
// from a lead's status, and what each step needs. It mirrors the table of
// POST /v1/leads/{lead_id}/transitions in openapi.yaml; the server still
// decides, and a 409 answer's allowed_next corrects the offer.
import type { Lead, LeadKind, LeadStatus, Me } from '@shared/api/client'

/** The statuses in lifecycle order, for the queue's tabs. */
export const STATUSES: LeadStatus[] = [
  'submitted', 'needs_info', 'accepted', 'verified', 'measures_taken', 'closed',
  'rejected', 'duplicate', 'unsubstantiated', 'withdrawn',
]

/** The lead kinds, as in LeadKind. */
export const KINDS: LeadKind[] = [
  'real_estate', 'vehicle', 'farm_machinery', 'livestock', 'crop_proceeds', 'business', 'deposit',
  'wages', 'receivable', 'equity', 'movables', 'whereabouts', 'evasion', 'consumption_breach', 'other',
]

/** A step the console can offer: the target status, and 'reopen' for closed → accepted. */
export type Step = Exclude<LeadStatus, 'submitted' | 'withdrawn'> | 'reopen'

/** The fields a step needs (besides the optional note). */
export const NEEDS: Record<Step, string[]> = {
  accepted: ['assignee_id'],
  needs_info: ['note'],
  rejected: ['reason_code', 'note'],
  duplicate: ['duplicate_of'],
  verified: [],
  unsubstantiated: [],
  measures_taken: ['measure', 'measure_date'],
  closed: ['outcome', 'amount_recovered_fen'],
  reopen: ['assignee_id', 'note'],
}

/** target is the status a step moves the lead to. */
export function target(s: Step): LeadStatus {
  return s === 'reopen' ? 'accepted' : s
}

/** allowedSteps lists the steps the user may take on the lead now. */
export function allowedSteps(lead: Lead, me: Me): Step[] {
  const role = me.role
  if (role !== 'officer' && role !== 'grid_lead' && role !== 'admin') return []
  const ownsIt = role !== 'officer' || lead.assignee_id === me.id
  switch (lead.status) {
    case 'submitted':
      return ['accepted', 'needs_info', 'rejected', 'duplicate']
    case 'needs_info':
      return ['rejected']
    case 'accepted':
      return ownsIt ? ['verified', 'unsubstantiated'] : []
    case 'verified':
      return ownsIt ? ['measures_taken', 'closed'] : []
    case 'measures_taken':
      return ownsIt ? ['closed'] : []
    case 'closed':
      return role === 'grid_lead' ? ['reopen'] : []
    default:
      return []
  }
}
