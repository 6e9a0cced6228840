package gormstore

// Row types of the lead tables, exported for the GORM baseline of
// cmd/xiezhi-bench and its bulk loader of the queue measurement. The
// baseline means "the same writes done with plain GORM": the same rows
// into the same tables and columns, without the store's use-case code
// around them. Aliases (not copies) keep it so: a column added to the
// store's row is written by the baseline too, and there is no other copy
// of the schema to drift. Nothing else should use them: the store's API is
// LeadStore.
type (
	// LeadRow is a row of leads.
	LeadRow = leadRow
	// EventRow is a row of lead_events.
	EventRow = eventRow
	// DuplicateRow is a row of lead_duplicates.
	DuplicateRow = duplicateRow
	// SequenceRow is a row of lead_sequences, the reference counter.
	SequenceRow = sequenceRow
	// LeadCountRow is a row of lead_counts.
	LeadCountRow = leadCountRow
)

// CountSlot is the slot of lead_counts a lead id counts in (see counts.go).
func CountSlot(leadID string) int { return leadCountKey(leadRow{ID: leadID}).slot }
