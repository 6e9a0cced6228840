package intake

import (
	"context"
	"fmt"
	"iter"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// QueueTable is the layout of a queue export. It leaves out the reporter
// (whose identity is confidential) and the free-text description, and
// masks debtors' names: exports leave the court.
var QueueTable = contactbook.Table{
	Sheet:    "线索",
	Header:   []string{"编号", "接收时间", "类型", "状态", "优先级", "乡镇", "村", "被执行人", "案号", "承办人", "核查期限", "逾期", "执行到位金额（元）"},
	Widths:   []float64{16, 20, 14, 10, 8, 12, 14, 10, 24, 10, 20, 6, 16},
	TextCols: []int{0, 8},
}

var statusZH = map[domain.LeadStatus]string{
	domain.LeadSubmitted: "待受理", domain.LeadNeedsInfo: "待补充", domain.LeadAccepted: "已受理", domain.LeadVerified: "线索属实",
	domain.LeadMeasuresTaken: "已采取措施", domain.LeadClosed: "已办结", domain.LeadRejected: "不予受理", domain.LeadDuplicate: "重复",
	domain.LeadUnsubstantiated: "线索不实", domain.LeadWithdrawn: "已撤回",
}

// maskName keeps a name's first character: 张三丰 → 张**.
func maskName(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s)
	out := string(r)
	for range n - 1 {
		out += "*"
	}
	return out
}

// yuan writes whole fen as yuan with two decimals, exactly.
func yuan(fen *int64) string {
	if fen == nil {
		return ""
	}
	return fmt.Sprintf("%d.%02d", *fen/100, *fen%100)
}

// Export checks the query like Leads and returns the queue's rows in queue
// order, read page by page as they are written (nothing holds them all),
// and a function that reports a failure met while reading. Errors: as
// Leads, and EForbidden for a role without a queue.
func (s *Service) Export(ctx context.Context, a domain.Actor, q Query) (iter.Seq[[]string], func() error, error) {
	if err := a.Authorize(domain.ActLeadReadAll); err != nil {
		return nil, nil, err
	}
	q.Cursor, q.Limit = "", 200
	f, err := s.filter(ctx, a, q) // checked before the first byte is written
	if err != nil {
		return nil, nil, err
	}
	grids, err := s.org.ListGrids(ctx)
	if err != nil {
		return nil, nil, err
	}
	gridName := map[string]string{}
	for _, g := range grids {
		gridName[g.ID] = g.Name
	}
	villages, err := s.org.AllVillages(ctx)
	if err != nil {
		return nil, nil, err
	}
	villageName := map[string]string{}
	for _, v := range villages {
		villageName[v.ID] = v.Name
	}
	names := map[string]string{}
	var failed error
	rows := func(yield func([]string) bool) {
		for {
			leads, next, err := s.leads.ListLeads(ctx, f)
			if err != nil {
				failed = err
				return
			}
			for _, l := range leads {
				assignee := ""
				if l.AssigneeID != "" {
					if _, ok := names[l.AssigneeID]; !ok {
						u, err := s.org.GetUser(ctx, l.AssigneeID)
						if err == nil {
							names[l.AssigneeID] = u.Name
						}
					}
					assignee = names[l.AssigneeID]
				}
				due, overdue := "", ""
				if !l.DueAt.IsZero() {
					due = l.DueAt.In(s.cfg.Zone).Format("2006-01-02 15:04")
					overdue = "否"
					if l.Overdue(f.Now) {
						overdue = "是"
					}
				}
				priority := "一般"
				if l.Priority == domain.PriorityUrgent {
					priority = "紧急"
				}
				zh, _ := l.Kind.Label()
				if !yield([]string{l.Ref, l.ReceivedAt.In(s.cfg.Zone).Format("2006-01-02 15:04"), zh, statusZH[l.Status], priority,
					gridName[l.GridID], villageName[l.VillageID], maskName(l.DebtorName), l.CaseNumber, assignee, due, overdue, yuan(l.AmountRecoveredFen)}) {
					return
				}
			}
			if next == "" {
				return
			}
			f.Cursor = next
		}
	}
	return rows, func() error { return failed }, nil
}
