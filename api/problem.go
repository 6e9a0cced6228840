package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/triage"
)

// ProblemContentType is the media type of every error body (RFC 9457).
const ProblemContentType = "application/problem+json"

// status is the one table from error code to HTTP status.
var status = map[domain.Code]int{
	domain.EInvalid:          http.StatusBadRequest,
	domain.EValidation:       http.StatusUnprocessableEntity,
	domain.EUnauthorized:     http.StatusUnauthorized,
	domain.EForbidden:        http.StatusForbidden,
	domain.EPasswordChange:   http.StatusForbidden,
	domain.ENotFound:         http.StatusNotFound,
	domain.EMethodNotAllowed: http.StatusMethodNotAllowed,
	domain.EConflict:         http.StatusConflict,
	domain.EPrecondition:     http.StatusPreconditionFailed,
	domain.ETooLarge:         http.StatusRequestEntityTooLarge,
	domain.EUnsupportedMedia: http.StatusUnsupportedMediaType,
	domain.ETooManyRequests:  http.StatusTooManyRequests,
	domain.EUnavailable:      http.StatusServiceUnavailable,
	domain.EPhotoProcessing:  http.StatusConflict,
	domain.EInternal:         http.StatusInternalServerError,
}

// Status returns the HTTP status for an error code; unknown codes are 500.
func Status(code domain.Code) int {
	if s, ok := status[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is the body of every error response.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance"`
	Code      string         `json:"code"`
	RequestID string         `json:"request_id"`
	Errors    []ProblemField `json:"errors,omitempty"`
	// ErrorsOmitted counts the field errors past maxProblemFields, left out.
	ErrorsOmitted int           `json:"errors_omitted,omitempty"`
	Checks        []checkResult `json:"checks,omitempty"` // readiness only
	// AllowedNext, on an illegal lead transition, names where the caller
	// may move the lead instead.
	AllowedNext *[]string `json:"allowed_next,omitempty"` // a pointer: an empty list is still written
}

// maxProblemFields is the most field errors one problem lists; the rest
// are counted in errors_omitted. An import of a few thousand bad rows is
// answered with the first hundred, which is enough to fix the file by.
const maxProblemFields = 100

// ProblemField is one invalid field of a request.
type ProblemField struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// lang is a language Xiezhi answers in.
type lang int

const (
	zh lang = iota // zh-CN, the default
	en
)

// language picks zh-CN or English from Accept-Language by quality; anything
// else, or nothing, is zh-CN.
func language(header string) lang {
	best, bestQ := zh, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		var l lang
		switch {
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = en
		case tag == "zh" || strings.HasPrefix(tag, "zh-") || tag == "*":
			l = zh
		default:
			continue
		}
		if q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// text is one message in both languages.
type text [2]string

// titles are the short English titles (RFC 9457 `title`, stable per code)
// and details the localized generic explanations of each code.
var (
	titles = map[domain.Code]string{
		domain.EInvalid:          "Invalid request",
		domain.EValidation:       "Validation failed",
		domain.EUnauthorized:     "Unauthorized",
		domain.EForbidden:        "Forbidden",
		domain.EPasswordChange:   "Password change required",
		domain.ENotFound:         "Not found",
		domain.EMethodNotAllowed: "Method not allowed",
		domain.EConflict:         "Conflict",
		domain.EPrecondition:     "Precondition failed",
		domain.ETooLarge:         "Payload too large",
		domain.EUnsupportedMedia: "Unsupported media type",
		domain.ETooManyRequests:  "Too many requests",
		domain.EUnavailable:      "Service unavailable",
		domain.EPhotoProcessing:  "Photo processing",
		domain.EInternal:         "Internal error",
	}
	details = map[domain.Code]text{
		domain.EInvalid:          {"请求格式不正确。", "The request is malformed."},
		domain.EValidation:       {"请求中有字段不符合要求，详见 errors。", "Some fields of the request are invalid; see errors."},
		domain.EUnauthorized:     {"需要有效的登录凭证。", "Valid credentials are required."},
		domain.EForbidden:        {"您的角色无权执行此操作。", "Your role may not do this."},
		domain.EPasswordChange:   {"请先设置新密码。", "Set a new password first."},
		domain.ENotFound:         {"未找到请求的资源。", "The requested resource was not found."},
		domain.EMethodNotAllowed: {"该资源不支持此请求方法。", "This method is not allowed on this resource."},
		domain.EConflict:         {"请求与资源的当前状态冲突。", "The request conflicts with the current state of the resource."},
		domain.EPrecondition:     {"资源已被他人修改，请刷新后重试。", "The resource has changed since you read it; reload and retry."},
		domain.ETooLarge:         {"请求体超过大小上限。", "The request body is larger than allowed."},
		domain.EUnsupportedMedia: {"不支持该内容类型。", "This content type is not supported."},
		domain.ETooManyRequests:  {"请求过于频繁，请稍后再试。", "Too many requests; try again later."},
		domain.EUnavailable:      {"服务暂时不可用，请稍后再试。", "The service is temporarily unavailable; try again later."},
		domain.EPhotoProcessing:  {"照片已保存，正在处理，缩略图稍后可用，请稍后重试。", "The photo is stored and being processed; its thumbnail will be ready shortly, retry in a moment."},
		domain.EInternal:         {"服务器内部错误，请稍后再试；如问题持续，请提供请求编号联系管理员。", "Internal server error; try again later, and quote the request id if it persists."},
	}
	// fieldDetails explain field error codes; {field} and {param} names
	// are replaced by the field name and the error's params.
	fieldDetails = map[string]text{
		"required":             {"{field} 为必填项。", "{field} is required."},
		"empty":                {"{field} 不能为空值；不用时请省略该参数。", "{field} must not be empty; leave it out instead."},
		"invalid":              {"{field} 的值无效。", "{field} is invalid."},
		"too_long":             {"{field} 超过最大长度 {max}。", "{field} is longer than {max}."},
		"out_of_range":         {"{field} 超出允许范围。", "{field} is out of range."},
		"down":                 {"{field} 无法访问。", "{field} is unreachable."},
		"mismatch":             {"{field} 不正确。", "{field} is not correct."},
		"too_short":            {"{field} 至少需要 {min} 个字符。", "{field} needs at least {min} characters."},
		"too_common":           {"{field} 过于常见，容易被猜中。", "{field} is too common and easy to guess."},
		"contains_phone":       {"{field} 不能包含手机号。", "{field} must not contain the phone number."},
		"same_as_current":      {"{field} 不能与当前密码相同。", "{field} must differ from the current password."},
		"missing_column":       {"文件缺少“{column}”列。", "The file has no \"{column}\" column."},
		"too_many_rows":        {"文件行数超过上限 {max}。", "The file has more than {max} rows."},
		"duplicate":            {"{field} 与第 {first_line} 行重复。", "{field} repeats line {first_line}."},
		"duplicate_phone":      {"{field} 与第 {first_line} 行的手机号重复。", "{field} repeats the phone number of line {first_line}."},
		"invalid_phone":        {"{field} 不是有效的手机号。", "{field} is not a mobile number."},
		"invalid_role":         {"{field} 不是有效的角色。", "{field} is not a known role."},
		"invalid_village_code": {"{field} 不是 12 位村代码。", "{field} is not a 12-digit village code."},
		"unknown_village":      {"{field} 找不到该村。", "{field}: no such village."},
		"ambiguous_village":    {"{field} 有多个同名村，请填写乡镇或村代码。", "{field} names several villages; give the township or the village code."},
		"no_team":              {"{field} 所在网格没有执行团队。", "{field}: the village's grid has no team."},
		"not_importable":       {"{field} 该角色不能通过联络薄导入。", "{field}: this role cannot be imported from a contact book."},
		"other_grid":           {"{field} 属于其他网格。", "{field} belongs to another grid."},
		"other_team":           {"{field} 不是该线索所属团队的干警。", "{field} is not an officer of the lead's team."},
		"self":                 {"{field} 不能指向线索本身。", "{field} cannot be the lead itself."},
		"later":                {"{field} 必须是更早的线索。", "{field} must be an earlier lead."},
		"not_visible":          {"{field} 找不到该线索。", "{field}: no such lead."},
		"same_grid":            {"{field} 与当前网格相同。", "{field} is the lead's grid already."},
		"in_future":            {"{field} 不能是将来的时间。", "{field} must not be in the future."},
		"unknown":              {"{field} 找不到或无权访问。", "{field}: not found."},
		"not_enforcement":      {"{field} 不是执行案件的案号。", "{field} is not the number of an enforcement case."},
		"old_format":           {"{field} 是 2016 年以前的旧格式案号。", "{field} is a case number in the pre-2016 format."},
		"leading_zero":         {"{field} 的序号不能以 0 开头。", "{field} has a sequence number with a leading zero."},
		"invalid_plate":        {"{field} 不是有效的车牌号。", "{field} is not a vehicle plate number."},
		"unknown_field":        {"{field} 不是此类线索的字段。", "{field} is not a field of this kind of lead."},
		"reused":               {"该幂等键已用于另一个请求。", "This idempotency key was used for another request."},
		"corrupt_image":        {"图片已损坏或不完整。", "The image is damaged or incomplete."},
		"bad_check_digit":      {"{field} 校验位不正确。", "{field} has a wrong check digit."},
		"invalid_birth_date":   {"{field} 的出生日期不存在。", "{field} has an impossible birth date."},
	}
	// fieldDetailsBare say a code with parameters without them, for an
	// error that does not carry them: no answer shows a raw placeholder.
	fieldDetailsBare = map[string]text{
		"too_long":        {"{field} 超过最大长度。", "{field} is too long."},
		"too_short":       {"{field} 太短。", "{field} is too short."},
		"missing_column":  {"文件缺少必需的列。", "The file lacks a required column."},
		"too_many_rows":   {"文件行数超过上限。", "The file has too many rows."},
		"duplicate":       {"{field} 与前面的行重复。", "{field} repeats an earlier line."},
		"duplicate_phone": {"{field} 与前面的行的手机号重复。", "{field} repeats the phone number of an earlier line."},
	}
)

// renderProblem writes err as a problem. Internal errors are logged once
// here, with the request id; the client sees only the generic text.
func renderProblem(c *gin.Context, err error) {
	if clientGone(c, err) {
		// Not a server error: nobody is there to read a problem, and the
		// logs and metrics say 499 (as nginx does), not 500 or 503.
		c.Status(StatusClientClosedRequest)
		c.Abort()
		return
	}
	p := newProblem(c, err)
	if p.Status >= 500 {
		log := loggerFrom(c)
		level := slog.LevelError
		if p.Code == string(domain.EUnavailable) {
			level = slog.LevelWarn
		}
		log.Log(c.Request.Context(), level, "request failed", "code", p.Code, "error", err.Error())
	}
	problemHeaders(c, err, p)
	writeProblem(c, p)
}

// StatusClientClosedRequest is the status logged and counted for a request
// whose client hung up before it was answered (nginx's 499); nothing is
// sent.
const StatusClientClosedRequest = 499

// clientGone reports whether err comes of the client having hung up: the
// request's context was cancelled and err says so (a deadline of the
// server's own is not the client's doing).
func clientGone(c *gin.Context, err error) bool {
	return errors.Is(c.Request.Context().Err(), context.Canceled) && errors.Is(err, context.Canceled)
}

// defaultRetryAfter is the Retry-After of a 503 whose cause names none.
const defaultRetryAfter = 5 * time.Second

// problemHeaders sets the headers a problem implies: Retry-After for a
// throttled or unavailable answer or a photo still processing,
// WWW-Authenticate for a 401.
func problemHeaders(c *gin.Context, err error, p Problem) {
	var de *domain.Error
	switch {
	case errors.As(err, &de) && de.RetryAfter > 0:
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(de.RetryAfter.Seconds()))))
	case p.Status == http.StatusServiceUnavailable:
		// A dependency is down: every such answer says when to retry.
		c.Header("Retry-After", strconv.Itoa(int(defaultRetryAfter.Seconds())))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="xiezhi"`)
	}
}

func writeProblem(c *gin.Context, p Problem) {
	c.Header("Content-Type", ProblemContentType)
	c.Header("Cache-Control", "no-store")
	c.JSON(p.Status, p) // keeps the Content-Type set above
	c.Abort()
}

// newProblem builds the problem body for err in the caller's language.
func newProblem(c *gin.Context, err error) Problem {
	code := domain.ErrorCode(err)
	l := language(c.GetHeader("Accept-Language"))
	p := Problem{
		Type:      "urn:xiezhi:problem:" + string(code),
		Title:     titles[code],
		Status:    Status(code),
		Detail:    details[code][l],
		Instance:  c.Request.URL.Path,
		Code:      string(code),
		RequestID: RequestID(c),
	}
	if p.Title == "" { // a code missing from the tables is a bug: answer as internal
		code = domain.EInternal
		p.Type, p.Title, p.Status, p.Detail, p.Code = "urn:xiezhi:problem:internal", titles[code], Status(code), details[code][l], string(code)
	}
	var de *domain.Error
	if errors.As(err, &de) {
		fields := de.Fields
		if len(fields) > maxProblemFields { // a small request must not get a huge answer
			p.ErrorsOmitted = len(fields) - maxProblemFields
			fields = fields[:maxProblemFields]
		}
		for _, f := range fields {
			p.Errors = append(p.Errors, ProblemField{Field: f.Field, Code: f.Code, Detail: fieldDetail(f, l)})
		}
	}
	var illegal *triage.IllegalError
	if errors.As(err, &illegal) {
		next := make([]string, len(illegal.Allowed))
		for i, s := range illegal.Allowed {
			next[i] = string(s)
		}
		p.AllowedNext = &next
	}
	return p
}

// fieldDetail renders the localized message of one field error.
func fieldDetail(f domain.FieldError, l lang) string {
	tmpl, ok := fieldDetails[f.Code]
	if !ok {
		tmpl = fieldDetails["invalid"]
	}
	s := fill(tmpl[l], f)
	if strings.Contains(s, "{") { // a parameter the error does not carry: say it without
		if bare, ok := fieldDetailsBare[f.Code]; ok {
			return fill(bare[l], f)
		}
		return fill(fieldDetails["invalid"][l], f)
	}
	return s
}

// fill replaces {field} and the {param}s of f in tmpl.
func fill(tmpl string, f domain.FieldError) string {
	s := strings.ReplaceAll(tmpl, "{field}", f.Field)
	keys := make([]string, 0, len(f.Params))
	for k := range f.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s = strings.ReplaceAll(s, "{"+k+"}", fmt.Sprint(f.Params[k]))
	}
	return s
}
